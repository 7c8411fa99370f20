// Indonesian (default) and English texts of the console, and the helpers that
// put them on the page. Elements carry their text as keys (data-i18n,
// data-vocab, data-time, ...), so switching the language relabels the page in
// place without losing what the user typed.

const STRINGS = {
  id: {
    'app.name': 'Sigap',
    'app.subtitle': 'Konsol Command Center',
    'app.title': 'Sigap — Konsol Command Center',
    'skip': 'Lewati ke konten utama',
    'lang.switch': 'English',
    'lang.switch.label': 'Switch to English',
    'nav.label': 'Navigasi utama',
    'nav.intake': 'Laporan baru',
    'nav.reports': 'Laporan',
    'nav.cases': 'Antrian unit',
    'nav.triage': 'Triase',
    'nav.stats': 'Statistik',
    'nav.units': 'Direktori unit',
    'signout': 'Keluar',
    'whoami': '{role}',
    'whoami.unit': '{role} · {unit}',
    'footer': 'Sigap · Pusat Komando Kementerian Sosial. Data pribadi hanya ditampilkan untuk peran yang berwenang.',
    'loading': 'Memuat…',
    'refreshing': 'Diperbarui otomatis',
    'error.generic': 'Terjadi kesalahan: {detail}',
    'error.network': 'Tidak dapat menghubungi server. Periksa koneksi lalu coba lagi.',
    'error.expired': 'Sesi berakhir atau token tidak berlaku. Silakan masuk kembali.',
    'error.forbidden': 'Peran Anda tidak diizinkan membuka halaman ini.',
    'error.notfound': 'Laporan tidak ditemukan atau tidak dapat Anda akses.',
    'none': '—',

    'signin.title': 'Masuk ke konsol',
    'signin.intro': 'Tempelkan token akses (JWT) dari administrator. Token hanya disimpan di tab ini dan terhapus saat tab ditutup.',
    'signin.token': 'Token akses',
    'signin.token.hint': 'Dimulai dengan "eyJ…".',
    'signin.submit': 'Masuk',
    'signin.invalid': 'Token tidak diterima oleh server.',
    'signin.empty': 'Tempelkan token terlebih dahulu.',
    'signin.dev.title': 'Mode pengembangan',
    'signin.dev.intro': 'Server ini berjalan dengan SIGAP_ENV=dev: pilih peran untuk mendapatkan token uji coba.',
    'signin.dev.role': 'Peran',
    'signin.dev.unit': 'Unit (UPT)',
    'signin.dev.region': 'Provinsi',
    'signin.dev.submit': 'Masuk sebagai peran ini',

    'intake.title': 'Laporan baru',
    'intake.intro': 'Catat laporan dari telepon, WhatsApp atau surel. Kolom bertanda * wajib diisi.',
    'intake.location': 'Lokasi',
    'intake.case': 'Kasus',
    'intake.reporter': 'Pelapor',
    'intake.beneficiaries': 'Penerima manfaat',
    'field.province': 'Provinsi',
    'field.regency': 'Kabupaten/kota',
    'field.regency.whole': 'Seluruh provinsi (kabupaten/kota tidak diketahui)',
    'field.address': 'Alamat',
    'field.address.hint': 'Jorong/desa, kecamatan, patokan.',
    'field.lat': 'Lintang (opsional)',
    'field.lon': 'Bujur (opsional)',
    'field.coords.hint': 'Derajat desimal, misalnya -0.69 dan 100.95.',
    'field.category': 'Kategori',
    'field.need': 'Kebutuhan',
    'field.urgency': 'Urgensi',
    'field.channel': 'Kanal',
    'field.description': 'Uraian',
    'field.description.hint': '10 sampai 5.000 karakter. Jangan tulis nomor telepon di sini.',
    'field.reporter.name': 'Nama pelapor',
    'field.reporter.phone': 'Telepon pelapor',
    'field.reporter.phone.hint': 'Nomor Indonesia: +62… atau 08…',
    'field.reporter.anonymous': 'Pelapor ingin anonim (nama dan telepon tidak disimpan)',
    'field.b.name': 'Nama',
    'field.b.age': 'Usia',
    'field.b.sex': 'Jenis kelamin',
    'field.b.disability': 'Disabilitas',
    'field.b.row': 'Penerima manfaat {n}',
    'field.b.add': 'Tambah penerima manfaat',
    'field.b.remove': 'Hapus',
    'field.b.remove.label': 'Hapus penerima manfaat {n}',
    'field.b.empty': 'Belum ada penerima manfaat yang dicatat.',
    'field.beneficiary_count': 'Jumlah orang terdampak',
    'field.beneficiary_count.hint': 'Kosongkan bila sama dengan jumlah baris di atas.',
    'field.choose': 'Pilih…',
    'field.required': 'wajib',
    'intake.submit': 'Kirim laporan',
    'intake.sending': 'Mengirim…',
    'intake.errors.title': 'Laporan belum dapat dikirim',
    'intake.errors.count': 'Periksa {n} kolom berikut:',
    'intake.inflight': 'Laporan yang sama sedang diproses. Tunggu sebentar lalu kirim lagi.',
    'intake.filed.title': 'Laporan tercatat',
    'intake.filed.ticket': 'Nomor tiket',
    'intake.filed.tracking': 'Kode pelacakan',
    'intake.filed.tracking_hint': 'Berikan kode pelacakan kepada pelapor: dengan kode itu ia dapat memantau laporannya. Nomor tiket saja tidak cukup.',
    'intake.filed.status': 'Status',
    'intake.filed.unit': 'Unit',
    'intake.filed.open': 'Buka kasus',
    'intake.filed.warnings': 'Diterima, tetapi periksa:',
    'intake.filed.announce': 'Laporan tercatat dengan tiket {ticket}. Kode pelacakan untuk pelapor: {code}.',
    'intake.filed.assigned': 'Tiket {ticket} ditugaskan ke {unit}.',

    'live.title': 'Laporan terbaru',
    'live.empty': 'Belum ada laporan.',
    'live.filter.status': 'Status',
    'live.filter.all': 'Semua status',
    'reports.title': 'Laporan',

    'case.title': 'Kasus {ticket}',
    'case.back': 'Kembali',
    'case.details': 'Rincian',
    'case.category': 'Kategori',
    'case.need': 'Kebutuhan',
    'case.urgency': 'Urgensi',
    'case.channel': 'Kanal',
    'case.region': 'Wilayah',
    'case.address': 'Alamat',
    'case.tracking_code': 'Kode pelacakan',
    'case.location': 'Koordinat',
    'case.unit': 'Unit',
    'case.sla': 'Batas konfirmasi (SLA)',
    'case.created': 'Dilaporkan',
    'case.updated': 'Diperbarui',
    'case.escalation': 'Tingkat eskalasi',
    'case.triage_reason': 'Alasan triase',
    'case.previous_units': 'Unit sebelumnya',
    'case.description': 'Uraian',
    'case.reporter': 'Pelapor',
    'case.reporter.anonymous': 'Anonim',
    'case.personal.hidden': 'Data pribadi pelapor dan penerima manfaat tidak ditampilkan untuk peran Anda.',
    'case.beneficiaries': 'Penerima manfaat ({n} orang)',
    'case.beneficiaries.none': 'Tidak ada rincian penerima manfaat.',
    'case.timeline': 'Riwayat',
    'case.timeline.by': 'oleh {actor} ({role})',
    'case.routing': 'Mengapa unit ini',
    'case.routing.none': 'Belum ada keputusan penugasan.',
    'case.routing.manual': 'Ditugaskan manual oleh {by}.',
    'case.routing.rule': 'Aturan cakupan #{rule}, tingkat {level}, jarak {km} km.',
    'case.routing.over': 'Semua unit penuh: unit dengan beban terendah mengambil kasus ini.',
    'case.routing.transfer': 'Dialihkan dari {from}: {reason}',
    'case.routing.transfer_plain': 'Dialihkan dari {from}.',
    'cand.unit': 'Unit',
    'cand.level': 'Cakupan',
    'cand.priority': 'Prioritas',
    'cand.distance': 'Jarak (km)',
    'cand.load': 'Beban / kapasitas',
    'cand.result': 'Hasil',
    'cand.winner': 'Terpilih',
    'cand.caption': 'Unit yang dipertimbangkan oleh router',
    'cand.more': 'Tampilkan {n} unit lain yang dipertimbangkan',
    'case.actions': 'Tindakan',
    'case.actions.status': 'Ubah status',
    'case.actions.none': 'Tidak ada perubahan status yang tersedia.',
    'case.note': 'Catatan',
    'case.note.add': 'Tambah catatan',
    'case.note.added': 'Catatan ditambahkan.',
    'case.transfer': 'Alihkan ke unit lain',
    'case.transfer.unit': 'Unit tujuan',
    'case.transfer.auto': 'Pilihan router berikutnya',
    'case.transfer.reason': 'Alasan pengalihan',
    'case.transfer.submit': 'Alihkan',
    'case.transfer.done': 'Kasus dialihkan.',
    'case.merge': 'Gabungkan / Merge',
    'case.merge.into': 'Kasus yang dipertahankan (tiket atau id)',
    'case.merge.into.required': 'Isi tiket atau id kasus yang dipertahankan.',
    'case.merge.reason': 'Alasan penggabungan',
    'case.merge.reason.required': 'Tuliskan alasan penggabungan.',
    'case.merge.submit': 'Gabungkan',
    'case.merge.confirm': 'Gabungkan {ticket} ke {into}? Kasus ini ditandai duplikat dan penerima manfaatnya dipindahkan.',
    'case.merge.confirm.yes': 'Ya, gabungkan',
    'case.merge.confirm.no': 'Batal',
    'case.merge.done': 'Kasus digabungkan ke {ticket}.',
    'case.merge.unknown': 'Kasus ini tidak ditemukan, atau bukan milik unit Anda.',
    'case.merge.continues': 'Dilanjutkan sebagai',
    'case.merge.merged_from': 'Laporan yang digabungkan',
    'case.status.done': 'Status {ticket} sekarang: {status}.',
    'case.status.conflict': 'Perubahan status ditolak karena status kasus sudah berubah. Status yang diizinkan sekarang:',
    'case.status.conflict.none': 'Perubahan status ditolak: tidak ada status lanjutan.',
    'case.status.stale': 'Kasus ini baru saja diubah oleh pihak lain. Data terbaru telah dimuat; periksa lalu ulangi bila perlu.',
    'case.more': 'Catatan dan pengalihan',
    'case.open': 'Buka rincian',

    'cases.title': 'Antrian {unit}',
    'cases.intro': 'Kasus yang ditugaskan ke unit Anda, yang paling mendesak lebih dulu. Daftar diperbarui otomatis.',
    'cases.empty': 'Tidak ada kasus terbuka untuk unit ini.',
    'cases.people': '{n} orang',
    'cases.sla.due': 'Konfirmasi dalam {rel}',
    'cases.sla.overdue': 'Lewat batas konfirmasi {rel}',
    'cases.escalated': 'Eskalasi tingkat {n}',

    'triage.title': 'Triase',
    'triage.intro': 'Laporan yang tidak cocok dengan aturan cakupan mana pun. Tugaskan ke unit yang tepat.',
    'triage.empty': 'Tidak ada laporan yang menunggu triase.',
    'triage.unit': 'Tugaskan ke unit',
    'triage.unit.serving': 'Melayani kategori ini',
    'triage.unit.other': 'Unit lain',
    'triage.note': 'Catatan penugasan (opsional)',
    'triage.assign': 'Tugaskan',
    'triage.assigned': '{ticket} ditugaskan ke {unit}.',
    'triage.reason': 'Alasan',

    'stats.title': 'Statistik',
    'stats.intro': 'Jumlah laporan, waktu penanganan dan kepatuhan SLA.',
    'stats.from': 'Dari tanggal',
    'stats.to': 'Sampai tanggal',
    'stats.region': 'Provinsi',
    'stats.region.all': 'Seluruh Indonesia',
    'stats.apply': 'Tampilkan',
    'stats.total': 'Total laporan',
    'stats.people.reported': 'Orang terdampak (dilaporkan)',
    'stats.people.served': 'Orang terlayani',
    'stats.sla.overall': 'Kepatuhan SLA',
    'stats.sla.detail': '{met} tepat waktu, {missed} terlambat dari {due}',
    'stats.by_province': 'Laporan per provinsi',
    'stats.by_regency': 'Laporan per kabupaten/kota',
    'stats.by_category': 'Laporan per kategori',
    'stats.by_day': 'Laporan per hari',
    'stats.times': 'Waktu penanganan',
    'stats.times.median': 'Median',
    'stats.times.p90': 'Persentil ke-90',
    'stats.times.to_assign': 'Sampai ditugaskan',
    'stats.times.to_acknowledge': 'Sampai dikonfirmasi unit',
    'stats.times.to_resolve': 'Sampai selesai',
    'stats.times.count': '{n} kasus',
    'stats.sla.by_unit': 'Kepatuhan SLA per unit',
    'stats.sla.unit.detail': '{met}/{due} tepat waktu',
    'stats.table': 'Tabel data',
    'stats.col.item': 'Butir',
    'stats.col.count': 'Jumlah',
    'stats.col.compliance': 'Kepatuhan',
    'stats.nodata': 'Tidak ada data untuk periode ini.',
    'stats.others': 'Lainnya ({n})',
    'stats.unavailable': 'Statistik belum tersedia',

    'units.title': 'Direktori unit',
    'units.code': 'Kode',
    'units.name': 'Nama',
    'units.kind': 'Jenis',
    'units.region': 'Wilayah',
    'units.load': 'Kasus terbuka / kapasitas',
    'units.active': 'Aktif',
    'units.categories': 'Kategori',
    'units.categories.all': 'Semua kategori',
    'units.intro': 'Unit layanan Kementerian Sosial, aturan cakupannya, dan kabupaten/kota yang belum tercakup aturan bersumber.',
    'units.list': 'Daftar unit',
    'units.details': 'Cakupan',
    'units.details.show': 'Cakupan dan riwayat',
    'units.details.label': 'Cakupan dan riwayat {unit}',

    'gaps.title': 'Celah cakupan',
    'gaps.intro': 'Kabupaten/kota yang belum punya aturan cakupan bersumber (dinyatakan sumber, terbukti dilayani, atau ditetapkan admin) untuk wilayahnya atau provinsinya, per kategori. Laporan kategori itu dari sana hanya dirutekan oleh aturan turunan.',
    'gaps.category': 'Kategori',
    'gaps.category.all': 'Semua kategori',
    'gaps.map.title': 'Peta celah cakupan per kabupaten/kota',
    'gaps.map.title.one': 'Peta celah cakupan per kabupaten/kota: {category}',
    'gaps.summary.all': '{n} dari {total} kabupaten/kota belum punya aturan bersumber untuk setidaknya satu kategori.',
    'gaps.summary.one': '{n} dari {total} kabupaten/kota belum punya aturan bersumber untuk {category}.',
    'gaps.count.all': '{n} kabupaten/kota belum punya aturan bersumber untuk setidaknya satu kategori.',
    'gaps.count.one': '{n} kabupaten/kota belum punya aturan bersumber untuk {category}.',
    'gaps.legend': 'Jumlah kategori tanpa aturan bersumber',
    'gaps.legend.one': 'Aturan bersumber untuk {category}',
    'gaps.legend.covered': 'Tercakup',
    'gaps.legend.gap': 'Belum tercakup',
    'gaps.legend.unknown': 'Belum diketahui',
    'gaps.path.missing': '{name}: tanpa aturan bersumber untuk {categories}',
    'gaps.path.covered': '{name}: semua kategori punya aturan bersumber',
    'gaps.path.covered.one': '{name}: {category} punya aturan bersumber',
    'gaps.table.caption': 'Kabupaten/kota tanpa aturan bersumber',
    'gaps.col.regency': 'Kabupaten/kota',
    'gaps.col.province': 'Provinsi',
    'gaps.col.missing': 'Kategori tanpa sumber',
    'gaps.none': 'Semua kabupaten/kota punya aturan bersumber.',
    'gaps.missing.all': 'Semua kategori ({n})',
    'gaps.map.unavailable': 'Peta tidak dapat dimuat: {detail}',

    'coverage.title': 'Aturan cakupan',
    'coverage.caption': 'Aturan cakupan {unit}',
    'coverage.none': 'Unit ini belum punya aturan cakupan.',
    'coverage.region': 'Wilayah',
    'coverage.category': 'Kategori',
    'coverage.priority': 'Prioritas',
    'coverage.basis': 'Dasar',
    'coverage.confidence': 'Keyakinan',
    'coverage.year': 'Tahun',
    'coverage.source': 'Sumber',
    'coverage.origin': 'Asal',
    'coverage.active': 'Aktif',
    'coverage.note': 'Catatan',
    'coverage.national': 'Seluruh Indonesia',
    'coverage.all': 'Semua kategori',
    'link.newtab': ' (membuka tab baru)',

    'history.title': 'Riwayat perubahan',
    'history.none': 'Belum ada perubahan yang tercatat.',
    'history.unit.created': 'Unit ditambahkan',
    'history.unit.updated': 'Unit diubah',
    'history.unit.deleted': 'Unit dihapus',
    'history.coverage_rule.created': 'Aturan cakupan #{id} ditambahkan',
    'history.coverage_rule.updated': 'Aturan cakupan #{id} diubah',
    'history.coverage_rule.deleted': 'Aturan cakupan #{id} dihapus',
    'history.by': 'oleh {actor} ({role})',
    'history.by.plain': 'oleh {actor}',
    'history.caption': 'Kolom yang berubah',
    'history.field': 'Kolom',
    'history.before': 'Sebelum',
    'history.after': 'Sesudah',
    'history.nofields': 'Tidak ada kolom yang berubah.',
    'history.more': 'Tampilkan lebih banyak',
    'yes': 'Ya',
    'no': 'Tidak',

    'rel.in': 'dalam {d}',
    'rel.ago': '{d} yang lalu',
    'dur.s': '{n} dtk',
    'dur.m': '{n} mnt',
    'dur.h': '{n} jam',
    'dur.hm': '{h} jam {m} mnt',
    'dur.d': '{n} hari',
    'dur.dh': '{d} hari {h} jam',

    'case.deadline': 'Tenggat tahap',
    'deadline.stage.acknowledge': 'Konfirmasi',
    'deadline.stage.assess': 'Asesmen',
    'deadline.stage.serve': 'Layanan pertama',
    'deadline.due.wd': 'jatuh tempo dalam {n} hari kerja',
    'deadline.due.wd1': 'jatuh tempo dalam 1 hari kerja',
    'deadline.due.wh': 'jatuh tempo dalam {n} jam kerja',
    'deadline.due.wh1': 'jatuh tempo dalam 1 jam kerja',
    'deadline.due.wall': 'jatuh tempo dalam {rel}',
    'deadline.overdue': 'lewat tenggat sejak',
    'reports.overdue': 'Lewat tenggat',
  },
  en: {
    'app.name': 'Sigap',
    'app.subtitle': 'Command Center console',
    'app.title': 'Sigap — Command Center console',
    'skip': 'Skip to main content',
    'lang.switch': 'Bahasa Indonesia',
    'lang.switch.label': 'Ganti ke Bahasa Indonesia',
    'nav.label': 'Main navigation',
    'nav.intake': 'New report',
    'nav.reports': 'Reports',
    'nav.cases': 'Unit queue',
    'nav.triage': 'Triage',
    'nav.stats': 'Statistics',
    'nav.units': 'Unit directory',
    'signout': 'Sign out',
    'whoami': '{role}',
    'whoami.unit': '{role} · {unit}',
    'footer': 'Sigap · Ministry of Social Affairs Command Center. Personal data is shown only to roles that need it.',
    'loading': 'Loading…',
    'refreshing': 'Updates automatically',
    'error.generic': 'Something went wrong: {detail}',
    'error.network': 'Cannot reach the server. Check the connection and try again.',
    'error.expired': 'Your session has ended or the token is not valid. Please sign in again.',
    'error.forbidden': 'Your role may not open this page.',
    'error.notfound': 'The report does not exist or you may not see it.',
    'none': '—',

    'signin.title': 'Sign in to the console',
    'signin.intro': 'Paste the access token (JWT) your administrator gave you. It is kept in this tab only and forgotten when the tab closes.',
    'signin.token': 'Access token',
    'signin.token.hint': 'Starts with "eyJ…".',
    'signin.submit': 'Sign in',
    'signin.invalid': 'The server did not accept this token.',
    'signin.empty': 'Paste a token first.',
    'signin.dev.title': 'Development mode',
    'signin.dev.intro': 'This server runs with SIGAP_ENV=dev: pick a role to get a test token.',
    'signin.dev.role': 'Role',
    'signin.dev.unit': 'Unit (UPT)',
    'signin.dev.region': 'Province',
    'signin.dev.submit': 'Sign in with this role',

    'intake.title': 'New report',
    'intake.intro': 'Record a report from a call, WhatsApp or email. Fields marked * are required.',
    'intake.location': 'Location',
    'intake.case': 'Case',
    'intake.reporter': 'Reporter',
    'intake.beneficiaries': 'Beneficiaries',
    'field.province': 'Province',
    'field.regency': 'Regency/city',
    'field.regency.whole': 'Whole province (regency/city unknown)',
    'field.address': 'Address',
    'field.address.hint': 'Village, district, landmark.',
    'field.lat': 'Latitude (optional)',
    'field.lon': 'Longitude (optional)',
    'field.coords.hint': 'Decimal degrees, for example -0.69 and 100.95.',
    'field.category': 'Category',
    'field.need': 'Need',
    'field.urgency': 'Urgency',
    'field.channel': 'Channel',
    'field.description': 'Description',
    'field.description.hint': '10 to 5,000 characters. Do not put phone numbers here.',
    'field.reporter.name': 'Reporter name',
    'field.reporter.phone': 'Reporter phone',
    'field.reporter.phone.hint': 'Indonesian number: +62… or 08…',
    'field.reporter.anonymous': 'The reporter wants to stay anonymous (name and phone are not stored)',
    'field.b.name': 'Name',
    'field.b.age': 'Age',
    'field.b.sex': 'Sex',
    'field.b.disability': 'Disability',
    'field.b.row': 'Beneficiary {n}',
    'field.b.add': 'Add beneficiary',
    'field.b.remove': 'Remove',
    'field.b.remove.label': 'Remove beneficiary {n}',
    'field.b.empty': 'No beneficiaries recorded yet.',
    'field.beneficiary_count': 'People affected',
    'field.beneficiary_count.hint': 'Leave empty when it equals the rows above.',
    'field.choose': 'Choose…',
    'field.required': 'required',
    'intake.submit': 'File report',
    'intake.sending': 'Sending…',
    'intake.errors.title': 'The report could not be filed yet',
    'intake.errors.count': 'Check these {n} fields:',
    'intake.inflight': 'The same report is being processed. Wait a moment and send it again.',
    'intake.filed.title': 'Report filed',
    'intake.filed.ticket': 'Ticket',
    'intake.filed.tracking': 'Tracking code',
    'intake.filed.tracking_hint': 'Give the tracking code to the reporter: with it they can follow the report. The ticket number alone is not enough.',
    'intake.filed.status': 'Status',
    'intake.filed.unit': 'Unit',
    'intake.filed.open': 'Open case',
    'intake.filed.warnings': 'Accepted, but check:',
    'intake.filed.announce': 'Report filed with ticket {ticket}. Tracking code for the reporter: {code}.',
    'intake.filed.assigned': 'Ticket {ticket} assigned to {unit}.',

    'live.title': 'Recent reports',
    'live.empty': 'No reports yet.',
    'live.filter.status': 'Status',
    'live.filter.all': 'All statuses',
    'reports.title': 'Reports',

    'case.title': 'Case {ticket}',
    'case.back': 'Back',
    'case.details': 'Details',
    'case.category': 'Category',
    'case.need': 'Need',
    'case.urgency': 'Urgency',
    'case.channel': 'Channel',
    'case.region': 'Region',
    'case.address': 'Address',
    'case.tracking_code': 'Tracking code',
    'case.location': 'Coordinates',
    'case.unit': 'Unit',
    'case.sla': 'Acknowledge by (SLA)',
    'case.created': 'Reported',
    'case.updated': 'Updated',
    'case.escalation': 'Escalation level',
    'case.triage_reason': 'Triage reason',
    'case.previous_units': 'Previous units',
    'case.description': 'Description',
    'case.reporter': 'Reporter',
    'case.reporter.anonymous': 'Anonymous',
    'case.personal.hidden': 'Personal data of the reporter and beneficiaries is not shown to your role.',
    'case.beneficiaries': 'Beneficiaries ({n})',
    'case.beneficiaries.none': 'No beneficiary details.',
    'case.timeline': 'History',
    'case.timeline.by': 'by {actor} ({role})',
    'case.routing': 'Why this unit',
    'case.routing.none': 'No assignment decision yet.',
    'case.routing.manual': 'Assigned by hand by {by}.',
    'case.routing.rule': 'Coverage rule #{rule}, {level} level, {km} km away.',
    'case.routing.over': 'Every unit was full: the least loaded one took the case.',
    'case.routing.transfer': 'Transferred from {from}: {reason}',
    'case.routing.transfer_plain': 'Transferred from {from}.',
    'cand.unit': 'Unit',
    'cand.level': 'Coverage',
    'cand.priority': 'Priority',
    'cand.distance': 'Distance (km)',
    'cand.load': 'Load / capacity',
    'cand.result': 'Result',
    'cand.winner': 'Chosen',
    'cand.caption': 'Units the router considered',
    'cand.more': 'Show {n} more units considered',
    'case.actions': 'Actions',
    'case.actions.status': 'Change status',
    'case.actions.none': 'No status change is available.',
    'case.note': 'Note',
    'case.note.add': 'Add note',
    'case.note.added': 'Note added.',
    'case.transfer': 'Transfer to another unit',
    'case.transfer.unit': 'Target unit',
    'case.transfer.auto': "The router's next choice",
    'case.transfer.reason': 'Reason for the transfer',
    'case.transfer.submit': 'Transfer',
    'case.transfer.done': 'Case transferred.',
    'case.merge': 'Gabungkan / Merge',
    'case.merge.into': 'Case to keep (ticket or id)',
    'case.merge.into.required': 'Enter the ticket or id of the case to keep.',
    'case.merge.reason': 'Reason for the merge',
    'case.merge.reason.required': 'Write why the cases are merged.',
    'case.merge.submit': 'Merge',
    'case.merge.confirm': 'Merge {ticket} into {into}? This case is marked duplicate and its beneficiaries move over.',
    'case.merge.confirm.yes': 'Yes, merge',
    'case.merge.confirm.no': 'Cancel',
    'case.merge.done': 'Case merged into {ticket}.',
    'case.merge.unknown': 'No such case, or not one your unit holds.',
    'case.merge.continues': 'Continues as',
    'case.merge.merged_from': 'Reports merged into this one',
    'case.status.done': '{ticket} is now: {status}.',
    'case.status.conflict': 'The status change was refused because the case has moved on. Allowed now:',
    'case.status.conflict.none': 'The status change was refused: there is no next status.',
    'case.status.stale': 'Someone else just changed this case. The latest data is loaded; check it and try again if needed.',
    'case.more': 'Notes and transfer',
    'case.open': 'Open details',

    'cases.title': '{unit} queue',
    'cases.intro': 'Cases assigned to your unit, most urgent first. The list updates by itself.',
    'cases.empty': 'No open cases for this unit.',
    'cases.people': '{n} people',
    'cases.sla.due': 'Acknowledge within {rel}',
    'cases.sla.overdue': 'Acknowledgement overdue by {rel}',
    'cases.escalated': 'Escalation level {n}',

    'triage.title': 'Triage',
    'triage.intro': 'Reports that no coverage rule matched. Assign each to the right unit.',
    'triage.empty': 'No reports are waiting for triage.',
    'triage.unit': 'Assign to unit',
    'triage.unit.serving': 'Serves this category',
    'triage.unit.other': 'Other units',
    'triage.note': 'Assignment note (optional)',
    'triage.assign': 'Assign',
    'triage.assigned': '{ticket} assigned to {unit}.',
    'triage.reason': 'Reason',

    'stats.title': 'Statistics',
    'stats.intro': 'Report counts, handling times and SLA compliance.',
    'stats.from': 'From',
    'stats.to': 'To',
    'stats.region': 'Province',
    'stats.region.all': 'All of Indonesia',
    'stats.apply': 'Show',
    'stats.total': 'Reports',
    'stats.people.reported': 'People affected (reported)',
    'stats.people.served': 'People served',
    'stats.sla.overall': 'SLA compliance',
    'stats.sla.detail': '{met} on time, {missed} late, of {due}',
    'stats.by_province': 'Reports by province',
    'stats.by_regency': 'Reports by regency/city',
    'stats.by_category': 'Reports by category',
    'stats.by_day': 'Reports by day',
    'stats.times': 'Handling times',
    'stats.times.median': 'Median',
    'stats.times.p90': '90th percentile',
    'stats.times.to_assign': 'To assignment',
    'stats.times.to_acknowledge': 'To acknowledgement',
    'stats.times.to_resolve': 'To resolution',
    'stats.times.count': '{n} cases',
    'stats.sla.by_unit': 'SLA compliance by unit',
    'stats.sla.unit.detail': '{met}/{due} on time',
    'stats.table': 'Data table',
    'stats.col.item': 'Item',
    'stats.col.count': 'Count',
    'stats.col.compliance': 'Compliance',
    'stats.nodata': 'No data for this period.',
    'stats.others': 'Others ({n})',
    'stats.unavailable': 'Statistics are not available',

    'units.title': 'Unit directory',
    'units.code': 'Code',
    'units.name': 'Name',
    'units.kind': 'Kind',
    'units.region': 'Region',
    'units.load': 'Open cases / capacity',
    'units.active': 'Active',
    'units.categories': 'Categories',
    'units.categories.all': 'All categories',
    'units.intro': 'The social service units of the Ministry of Social Affairs, their coverage rules, and the regencies and cities no sourced rule covers yet.',
    'units.list': 'Units',
    'units.details': 'Coverage',
    'units.details.show': 'Coverage and history',
    'units.details.label': 'Coverage and history of {unit}',

    'gaps.title': 'Coverage gaps',
    'gaps.intro': 'Regencies and cities without a sourced coverage rule (stated by a source, served in practice, or set by an admin) for themselves or their province, by category. Reports of that category from there are routed by derived rules only.',
    'gaps.category': 'Category',
    'gaps.category.all': 'All categories',
    'gaps.map.title': 'Map of coverage gaps by regency/city',
    'gaps.map.title.one': 'Map of coverage gaps by regency/city: {category}',
    'gaps.summary.all': '{n} of {total} regencies and cities lack a sourced rule for at least one category.',
    'gaps.summary.one': '{n} of {total} regencies and cities lack a sourced rule for {category}.',
    'gaps.count.all': '{n} regencies and cities lack a sourced rule for at least one category.',
    'gaps.count.one': '{n} regencies and cities lack a sourced rule for {category}.',
    'gaps.legend': 'Categories without a sourced rule',
    'gaps.legend.one': 'Sourced rule for {category}',
    'gaps.legend.covered': 'Covered',
    'gaps.legend.gap': 'Not covered',
    'gaps.legend.unknown': 'Not known yet',
    'gaps.path.missing': '{name}: no sourced rule for {categories}',
    'gaps.path.covered': '{name}: every category has a sourced rule',
    'gaps.path.covered.one': '{name}: {category} has a sourced rule',
    'gaps.table.caption': 'Regencies and cities without a sourced rule',
    'gaps.col.regency': 'Regency/city',
    'gaps.col.province': 'Province',
    'gaps.col.missing': 'Categories without a source',
    'gaps.none': 'Every regency and city has a sourced rule.',
    'gaps.missing.all': 'All categories ({n})',
    'gaps.map.unavailable': 'The map could not be loaded: {detail}',

    'coverage.title': 'Coverage rules',
    'coverage.caption': 'Coverage rules of {unit}',
    'coverage.none': 'This unit has no coverage rules.',
    'coverage.region': 'Region',
    'coverage.category': 'Category',
    'coverage.priority': 'Priority',
    'coverage.basis': 'Basis',
    'coverage.confidence': 'Confidence',
    'coverage.year': 'Year',
    'coverage.source': 'Source',
    'coverage.origin': 'Origin',
    'coverage.active': 'Active',
    'coverage.note': 'Note',
    'coverage.national': 'All of Indonesia',
    'coverage.all': 'All categories',
    'link.newtab': ' (opens in a new tab)',

    'history.title': 'Change history',
    'history.none': 'No changes recorded yet.',
    'history.unit.created': 'Unit added',
    'history.unit.updated': 'Unit changed',
    'history.unit.deleted': 'Unit removed',
    'history.coverage_rule.created': 'Coverage rule #{id} added',
    'history.coverage_rule.updated': 'Coverage rule #{id} changed',
    'history.coverage_rule.deleted': 'Coverage rule #{id} removed',
    'history.by': 'by {actor} ({role})',
    'history.by.plain': 'by {actor}',
    'history.caption': 'Changed fields',
    'history.field': 'Field',
    'history.before': 'Before',
    'history.after': 'After',
    'history.nofields': 'No field changed.',
    'history.more': 'Show more',
    'yes': 'Yes',
    'no': 'No',

    'rel.in': 'in {d}',
    'rel.ago': '{d} ago',
    'dur.s': '{n} s',
    'dur.m': '{n} min',
    'dur.h': '{n} h',
    'dur.hm': '{h} h {m} min',
    'dur.d': '{n} d',
    'dur.dh': '{d} d {h} h',

    'case.deadline': 'Stage deadline',
    'deadline.stage.acknowledge': 'Acknowledge',
    'deadline.stage.assess': 'Assess',
    'deadline.stage.serve': 'First service',
    'deadline.due.wd': 'due in {n} working days',
    'deadline.due.wd1': 'due in 1 working day',
    'deadline.due.wh': 'due in {n} working hours',
    'deadline.due.wh1': 'due in 1 working hour',
    'deadline.due.wall': 'due in {rel}',
    'deadline.overdue': 'overdue since',
    'reports.overdue': 'Overdue',
  },
};

/** Labels of the API's closed vocabularies, by kind and wire value. */
const VOCABULARY = {
  status: {
    received: ['Diterima', 'Received'],
    needs_triage: ['Perlu triase', 'Needs triage'],
    assigned: ['Ditugaskan', 'Assigned'],
    acknowledged: ['Dikonfirmasi unit', 'Acknowledged'],
    assessing: ['Asesmen', 'Assessing'],
    in_service: ['Dalam layanan', 'In service'],
    resolved: ['Selesai ditangani', 'Resolved'],
    closed: ['Ditutup', 'Closed'],
    cancelled: ['Dibatalkan', 'Cancelled'],
    duplicate: ['Duplikat', 'Duplicate'],
  },
  action: {
    acknowledged: ['Konfirmasi kasus', 'Acknowledge'],
    assessing: ['Mulai asesmen', 'Start assessment'],
    in_service: ['Mulai layanan', 'Start service'],
    resolved: ['Tandai selesai', 'Mark resolved'],
    closed: ['Tutup kasus', 'Close case'],
    cancelled: ['Batalkan kasus', 'Cancel case'],
    duplicate: ['Tandai duplikat', 'Mark duplicate'],
  },
  urgency: {
    critical: ['Kritis', 'Critical'],
    high: ['Tinggi', 'High'],
    normal: ['Normal', 'Normal'],
  },
  need: {
    assistive_device: ['Alat bantu', 'Assistive device'],
    accessibility: ['Aksesibilitas', 'Accessibility'],
    rehabilitation: ['Rehabilitasi', 'Rehabilitation'],
    protection: ['Perlindungan', 'Protection'],
    basic_needs: ['Kebutuhan dasar', 'Basic needs'],
    evacuation: ['Evakuasi', 'Evacuation'],
    health_referral: ['Rujukan kesehatan', 'Health referral'],
    other: ['Lainnya', 'Other'],
  },
  channel: {
    hotline: ['Hotline (telepon)', 'Hotline (phone)'],
    whatsapp: ['WhatsApp', 'WhatsApp'],
    email: ['Surel', 'Email'],
    sms: ['SMS', 'SMS'],
    web: ['Situs web', 'Website'],
    mobile_app: ['Aplikasi seluler', 'Mobile app'],
    social_media: ['Media sosial', 'Social media'],
    walk_in: ['Datang langsung', 'Walk-in'],
    partner_api: ['API mitra', 'Partner API'],
    open311: ['Open311', 'Open311'],
  },
  sex: {
    F: ['Perempuan', 'Female'],
    M: ['Laki-laki', 'Male'],
  },
  role: {
    operator: ['Operator', 'Operator'],
    supervisor: ['Supervisor', 'Supervisor'],
    upt_staff: ['Petugas UPT', 'UPT staff'],
    regional: ['Dinas Sosial daerah', 'Regional office'],
    integrator: ['Integrator', 'Integrator'],
    admin: ['Administrator', 'Administrator'],
    system: ['Sistem', 'System'],
  },
  event: {
    received: ['Laporan diterima', 'Report received'],
    assigned: ['Ditugaskan', 'Assigned'],
    needs_triage: ['Masuk triase', 'Sent to triage'],
    status_changed: ['Status diubah', 'Status changed'],
    note: ['Catatan', 'Note'],
    transferred: ['Dialihkan', 'Transferred'],
    escalated: ['Dieskalasi', 'Escalated'],
    merged_into: ['Digabungkan ke kasus lain', 'Merged into another case'],
    merged_from: ['Laporan lain digabungkan', 'Another report merged in'],
  },
  level: {
    regency: ['kabupaten/kota', 'regency'],
    province: ['provinsi', 'province'],
    national: ['nasional', 'national'],
  },
  kind: {
    sentra: ['Sentra', 'Sentra'],
    sentra_terpadu: ['Sentra Terpadu', 'Integrated Sentra'],
    balai: ['Balai', 'Balai'],
    loka: ['Loka', 'Loka'],
    dinas_sosial: ['Dinas Sosial', 'Social office'],
  },
  basis: {
    stated: ['Dinyatakan sumber', 'Stated by a source'],
    served: ['Terbukti dilayani', 'Served in practice'],
    derived: ['Turunan', 'Derived'],
    admin: ['Ditetapkan admin', 'Set by an admin'],
  },
  confidence: {
    high: ['Tinggi', 'High'],
    medium: ['Sedang', 'Medium'],
    low: ['Rendah', 'Low'],
  },
  origin: {
    seed: ['Data awal', 'Seed data'],
    admin: ['Admin', 'Admin'],
  },
  column: {
    name: ['Nama', 'Name'],
    kind: ['Jenis', 'Kind'],
    region_code: ['Wilayah', 'Region'],
    latitude: ['Lintang', 'Latitude'],
    longitude: ['Bujur', 'Longitude'],
    categories: ['Kategori', 'Categories'],
    category: ['Kategori', 'Category'],
    capacity: ['Kapasitas', 'Capacity'],
    active: ['Aktif', 'Active'],
    contact: ['Kontak', 'Contact'],
    origin: ['Asal', 'Origin'],
    priority: ['Prioritas', 'Priority'],
    basis: ['Dasar', 'Basis'],
    confidence: ['Keyakinan', 'Confidence'],
    year: ['Tahun', 'Year'],
    source: ['Sumber', 'Source'],
    note: ['Catatan', 'Note'],
  },
};

/** The API's validation messages, in Indonesian; others are shown as sent. */
const MESSAGES_ID = [
  [/^is required$/, () => 'wajib diisi'],
  [/^must be one of: (.*)$/, (m) => `harus salah satu dari: ${m[1]}`],
  [/^must be a Kemendagri region code such as 13 or 13\.03$/, () => 'harus kode wilayah Kemendagri, misalnya 13 atau 13.03'],
  [/^is not a known region$/, () => 'bukan wilayah yang dikenal'],
  [/^must be at most (\d+) characters$/, (m) => `paling banyak ${m[1]} karakter`],
  [/^must be an Indonesian number starting with \+62 or 0$/, () => 'harus nomor Indonesia yang diawali +62 atau 0'],
  [/^must be an Indonesian number: \+62 or 0 followed by 8 to 12 digits$/, () => 'harus nomor Indonesia: +62 atau 0 diikuti 8 sampai 12 angka'],
  [/^must be inside Indonesia \((.*)\)$/, (m) => `harus di wilayah Indonesia (${m[1]})`],
  [/^must be between (\d+) and (\d+)$/, (m) => `harus antara ${m[1]} dan ${m[2]}`],
  [/^must be between 10 and 5000 characters$/, () => 'harus 10 sampai 5.000 karakter'],
  [/^must be F or M$/, () => 'harus F (perempuan) atau M (laki-laki)'],
  [/^must be at least the (\d+) beneficiaries listed$/, (m) => `paling sedikit ${m[1]}, sesuai jumlah penerima manfaat yang dicatat`],
  [/^at most (\d+) beneficiaries per report$/, (m) => `paling banyak ${m[1]} penerima manfaat per laporan`],
  [/^must be 1 to (\d+) characters$/, (m) => `harus 1 sampai ${m[1]} karakter`],
  [/^is not a known unit$/, () => 'bukan unit yang dikenal'],
  [/^the unit is not active$/, () => 'unit tidak aktif'],
  [/^the case is already with this unit$/, () => 'kasus sudah berada di unit ini'],
];

const LANGS = ['id', 'en'];
let current = LANGS.includes(localStorage.getItem('sigap.lang')) ? localStorage.getItem('sigap.lang') : 'id';

export function lang() {
  return current;
}

/** The text of `key` in the current language, with `{name}` filled from `args`. */
export function t(key, args = {}) {
  const text = STRINGS[current][key] ?? STRINGS.id[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in args ? String(args[name]) : `{${name}}`));
}

/** The label of a vocabulary value (`status`, `assigned`), or the value itself. */
export function vocab(kind, value) {
  const entry = VOCABULARY[kind]?.[value];
  return entry ? entry[current === 'id' ? 0 : 1] : String(value ?? '');
}

export function vocabValues(kind) {
  return Object.keys(VOCABULARY[kind]);
}

/** An API validation message in the current language. */
export function message(text) {
  if (current !== 'id' || typeof text !== 'string') return text;
  for (const [pattern, render] of MESSAGES_ID) {
    const m = text.match(pattern);
    if (m) return render(m);
  }
  return text;
}

function locale() {
  return current === 'id' ? 'id-ID' : 'en-GB';
}

export function formatTime(iso) {
  if (!iso) return t('none');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatNumber(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return t('none');
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n);
}

export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return t('none');
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/** A duration in seconds, in words: "45 dtk", "1 jam 5 mnt". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return t('none');
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('dur.s', { n: s });
  const m = Math.round(s / 60);
  if (m < 60) return t('dur.m', { n: m });
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? t('dur.hm', { h, m: m % 60 }) : t('dur.h', { n: h });
  const d = Math.floor(h / 24);
  return h % 24 ? t('dur.dh', { d, h: h % 24 }) : t('dur.d', { n: d });
}

/** The IANA zone of an Indonesian zone's abbreviation. */
const ZONES = { WIB: 'Asia/Jakarta', WITA: 'Asia/Makassar', WIT: 'Asia/Jayapura' };

/** A weekday and time in an Indonesian zone: "Sel 10.00 WIT", "Tue 10:00 WIT". */
export function formatZoned(iso, zone) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const timeZone = ZONES[zone] ?? ZONES.WIB;
  const day = new Intl.DateTimeFormat(locale(), { weekday: 'short', timeZone }).format(date).replace(/\.$/, '');
  const time = new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(date);
  return `${day} ${time} ${ZONES[zone] ? zone : 'WIB'}`;
}

/** "in 45 min" or "5 min ago", from now. */
export function formatRelative(iso) {
  const ms = new Date(iso).getTime() - Date.now();
  const d = formatDuration(Math.abs(ms) / 1000);
  return ms >= 0 ? t('rel.in', { d }) : t('rel.ago', { d });
}

/** Relabels `root` and everything in it in the current language. */
export function applyLanguage(root = document) {
  const all = (selector) => {
    const found = [...root.querySelectorAll(selector)];
    if (root.matches?.(selector)) found.unshift(root);
    return found;
  };
  for (const el of all('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : {});
  }
  for (const el of all('[data-vocab]')) {
    const [kind, value] = el.dataset.vocab.split(':');
    el.textContent = vocab(kind, value);
  }
  for (const el of all('[data-l-id]')) {
    el.textContent = current === 'id' ? el.dataset.lId : el.dataset.lEn;
  }
  for (const el of all('[data-time]')) {
    el.textContent = formatTime(el.dataset.time);
  }
  for (const el of all('[data-zoned]')) {
    el.textContent = formatZoned(el.dataset.zoned, el.dataset.zone);
  }
  for (const el of all('[data-rel]')) {
    el.textContent = t(el.dataset.relKey, { rel: formatDuration(Math.abs(new Date(el.dataset.rel).getTime() - Date.now()) / 1000) });
  }
  for (const el of all('[data-message]')) {
    el.textContent = message(el.dataset.message);
  }
  for (const el of all('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split('=');
      const args = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : {};
      el.setAttribute(attr, t(key, args));
    }
  }
}

/** Switches the language of the whole page. */
export function setLang(next) {
  current = LANGS.includes(next) ? next : 'id';
  localStorage.setItem('sigap.lang', current);
  document.documentElement.lang = current;
  applyLanguage(document);
  document.dispatchEvent(new CustomEvent('sigap:language', { detail: current }));
}
