//! Uploaded files: their type decided from their first bytes (never from
//! the name or the declared type), photo metadata removed, names cleaned.

/// The types a case may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A JPEG photo.
    Jpeg,
    /// A PNG image.
    Png,
    /// A PDF document.
    Pdf,
}

impl FileType {
    /// The media type stored and served.
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Pdf => "application/pdf",
        }
    }

    /// The file name extensions of the type; the first is the one added.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Png => &["png"],
            FileType::Pdf => &["pdf"],
        }
    }

    /// The type of `bytes` by their signature, or `None`.
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(PNG) {
            Some(FileType::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else {
            None
        }
    }
}

/// Why a file's structure could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// The bytes to store for a file of type `kind`: photos without their
/// metadata ([`strip_jpeg_metadata`], [`strip_png_metadata`]), PDFs as they
/// are.
pub fn clean(kind: FileType, bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    match kind {
        FileType::Jpeg => strip_jpeg_metadata(bytes),
        FileType::Png => strip_png_metadata(bytes),
        FileType::Pdf => Ok(bytes.to_vec()),
    }
}

/// Whether a JPEG segment (by its marker) is kept: the JFIF header (APP0),
/// the colour profile (APP2, ICC) and Adobe's colour transform (APP14), and
/// every non-application segment the image needs. EXIF and XMP (APP1, where
/// cameras put GPS positions, times and serial numbers), IPTC (APP13), the
/// other application segments and comments are dropped.
fn keep_jpeg_segment(marker: u8) -> bool {
    match marker {
        0xE0 | 0xE2 | 0xEE => true,
        0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
        _ => true,
    }
}

/// A JPEG without its metadata segments, found by walking the markers from
/// the start of the image to the start of the scan; the scan (the picture
/// itself) is copied unchanged.
pub fn strip_jpeg_metadata(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(Malformed("a JPEG starts with FF D8"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    loop {
        if at >= bytes.len() {
            return Err(Malformed("the JPEG ends before its image data"));
        }
        if bytes[at] != 0xFF {
            return Err(Malformed("a JPEG segment starts with FF"));
        }
        // Fill bytes (FF FF …) may stand before a marker.
        let mut marker_at = at + 1;
        while marker_at < bytes.len() && bytes[marker_at] == 0xFF {
            marker_at += 1;
        }
        let Some(&marker) = bytes.get(marker_at) else {
            return Err(Malformed("the JPEG ends inside a marker"));
        };
        match marker {
            // Markers without a length.
            0xD8 | 0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                at = marker_at + 1;
            }
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            _ => {
                let length = bytes
                    .get(marker_at + 1..marker_at + 3)
                    .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                    .ok_or(Malformed("the JPEG ends inside a segment length"))?;
                if length < 2 {
                    return Err(Malformed("a JPEG segment length is at least 2"));
                }
                let end = marker_at + 1 + length;
                if end > bytes.len() {
                    return Err(Malformed("a JPEG segment runs past the end"));
                }
                if keep_jpeg_segment(marker) {
                    out.push(0xFF);
                    out.extend_from_slice(&bytes[marker_at..end]);
                }
                at = end;
                if marker == 0xDA {
                    // Start of scan: the rest is image data (with further
                    // scans and their tables), kept as it is.
                    out.extend_from_slice(&bytes[at..]);
                    return Ok(out);
                }
            }
        }
    }
}

/// A PNG without its metadata chunks (`eXIf`, the text chunks `tEXt`,
/// `zTXt`, `iTXt`, and `tIME`); every chunk carries its own checksum, so the
/// others stay valid as they are.
pub fn strip_png_metadata(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    const SIGNATURE: usize = 8;
    const DROPPED: &[&[u8; 4]] = &[b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];
    if bytes.len() < SIGNATURE {
        return Err(Malformed("a PNG starts with its signature"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..SIGNATURE]);
    let mut at = SIGNATURE;
    while at < bytes.len() {
        let header = bytes
            .get(at..at + 8)
            .ok_or(Malformed("the PNG ends inside a chunk header"))?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(length))
            .filter(|&end| end <= bytes.len())
            .ok_or(Malformed("a PNG chunk runs past the end"))?;
        let kind: &[u8] = &header[4..8];
        if !DROPPED.iter().any(|d| d.as_slice() == kind) {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
    Err(Malformed("the PNG has no IEND chunk"))
}

/// A file name safe to store and to put in `Content-Disposition`: the last
/// part of any path, letters, digits, spaces and `._-()` only (others become
/// `_`), at most 100 characters, ending in an extension of `kind` (added
/// when the name has another one, so `photo.exe` holding a JPEG is offered as
/// `photo.exe.jpg`).
pub fn sanitize_filename(name: &str, kind: FileType) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean = clean
        .trim_matches(|c: char| c == '.' || c == ' ')
        .to_owned();
    if clean.is_empty() {
        clean = "lampiran".into();
    }
    let extension = kind.extensions()[0];
    let lower = clean.to_ascii_lowercase();
    let own = kind
        .extensions()
        .iter()
        .find(|ext| lower.ends_with(&format!(".{ext}")));
    // All ASCII from here: any byte index is a character boundary.
    let suffix = match own {
        Some(ext) => clean.split_off(clean.len() - ext.len() - 1),
        None => format!(".{extension}"),
    };
    clean.truncate(100 - suffix.len());
    clean.push_str(&suffix);
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG with an EXIF segment holding a GPS tag, a comment, a JFIF
    /// header, a table, a scan and its end.
    fn jpeg_with_exif() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend_from_slice(&[
            0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
        ]);
        let exif = b"Exif\0\0MM\0*GPSLatitude-6.2";
        j.extend_from_slice(&[0xFF, 0xE1, 0x00, (exif.len() + 2) as u8]);
        j.extend_from_slice(exif);
        j.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x07, b'S', b'i', b't', b'i', b'!']);
        j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01]);
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x04, 0x01, 0x00]);
        j.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn exif_and_comments_are_removed_and_the_image_kept() {
        let original = jpeg_with_exif();
        let clean = strip_jpeg_metadata(&original).expect("well formed");
        assert!(!contains(&clean, b"Exif"));
        assert!(!contains(&clean, b"GPS"));
        assert!(!contains(&clean, b"Siti"));
        assert!(contains(&clean, b"JFIF"));
        assert!(contains(&clean, &[0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01]));
        assert!(clean.ends_with(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78, 0xFF, 0xD9]));
        assert_eq!(strip_jpeg_metadata(&clean).expect("again"), clean);
    }

    #[test]
    fn broken_jpegs_are_refused() {
        let original = jpeg_with_exif();
        for cut in [3, 5, 8, 25] {
            assert!(strip_jpeg_metadata(&original[..cut]).is_err(), "{cut}");
        }
        assert!(strip_jpeg_metadata(&[0xFF, 0xD8, 0x00]).is_err());
        assert!(strip_jpeg_metadata(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01]).is_err());
    }

    #[test]
    fn png_text_and_exif_chunks_are_removed() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"tEXt", b"Author\0Siti"));
        png.extend(chunk(b"eXIf", b"MM\0*GPS"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let clean = strip_png_metadata(&png).expect("well formed");
        assert!(!contains(&clean, b"Siti") && !contains(&clean, b"GPS"));
        assert!(
            contains(&clean, b"IHDR")
                && contains(&clean, b"IDAT")
                && clean.ends_with(&chunk(b"IEND", &[]))
        );
        assert!(strip_png_metadata(&png[..png.len() - 3]).is_err());
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(FileType::sniff(&jpeg_with_exif()), Some(FileType::Jpeg));
        assert_eq!(
            FileType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(FileType::Png)
        );
        assert_eq!(FileType::sniff(b"%PDF-1.7\n"), Some(FileType::Pdf));
        assert_eq!(FileType::sniff(b"\x7fELF\x02\x01\x01"), None);
        assert_eq!(FileType::sniff(b"MZ\x90\x00"), None);
        assert_eq!(FileType::sniff(b"<svg"), None);
        assert_eq!(FileType::sniff(b""), None);
    }

    #[test]
    fn names_are_cleaned_and_end_in_their_type() {
        let cases = [
            ("foto rumah.JPG", FileType::Jpeg, "foto rumah.JPG"),
            ("../../etc/passwd", FileType::Pdf, "passwd.pdf"),
            ("C:\\Users\\x\\surat.pdf", FileType::Pdf, "surat.pdf"),
            ("photo.exe", FileType::Jpeg, "photo.exe.jpg"),
            ("a\"b;\r\nc.png", FileType::Png, "a_b___c.png"),
            ("", FileType::Png, "lampiran.png"),
            ("...", FileType::Jpeg, "lampiran.jpg"),
            (
                "Siti Aminah (KTP).jpeg",
                FileType::Jpeg,
                "Siti Aminah (KTP).jpeg",
            ),
            ("ñandú.pdf", FileType::Pdf, "_and_.pdf"),
        ];
        for (name, kind, expected) in cases {
            assert_eq!(sanitize_filename(name, kind), expected, "{name:?}");
        }
        let long = format!("{}.pdf", "x".repeat(300));
        let clean = sanitize_filename(&long, FileType::Pdf);
        assert!(clean.len() == 100 && clean.ends_with("x.pdf"), "{clean}");
    }
}
