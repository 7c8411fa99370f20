//! Working time: deadlines that count a unit's office hours and skip
//! weekends, national holidays and collective-leave days (cuti bersama),
//! in the unit's own time zone (WIB, WITA or WIT).
//!
//! Indonesia keeps no daylight-saving time, so each zone is a fixed offset
//! from UTC and the arithmetic needs no time-zone database.

use chrono::{DateTime, Datelike, Duration as Span, FixedOffset, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::Duration;

/// One of Indonesia's three time zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Zone {
    /// Waktu Indonesia Barat, UTC+7: Sumatra, Java, West and Central Kalimantan.
    #[serde(rename = "WIB")]
    Wib,
    /// Waktu Indonesia Tengah, UTC+8: Bali, Nusa Tenggara, the rest of Kalimantan, Sulawesi.
    #[serde(rename = "WITA")]
    Wita,
    /// Waktu Indonesia Timur, UTC+9: Maluku and Papua.
    #[serde(rename = "WIT")]
    Wit,
}

impl Zone {
    /// The zone of a province (`13`) or of a region inside it (`13.03`), by
    /// the Kemendagri code's first two digits; `None` for an unknown province.
    pub fn for_region(code: &str) -> Option<Zone> {
        let province: u8 = code.get(..2)?.parse().ok()?;
        match province {
            11..=21 | 31..=36 | 61 | 62 => Some(Zone::Wib),
            51..=53 | 63..=65 | 71..=76 => Some(Zone::Wita),
            81 | 82 | 91..=97 => Some(Zone::Wit),
            _ => None,
        }
    }

    /// Hours ahead of UTC.
    pub fn utc_offset_hours(self) -> i32 {
        match self {
            Zone::Wib => 7,
            Zone::Wita => 8,
            Zone::Wit => 9,
        }
    }

    /// The abbreviation, as Indonesians write it after a time.
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Wib => "WIB",
            Zone::Wita => "WITA",
            Zone::Wit => "WIT",
        }
    }

    fn offset(self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_hours() * 3600).expect("a whole-hour offset")
    }
}

/// The days and hours a unit works, in its local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeHours {
    /// Working weekdays: bit 0 is Monday, bit 6 Sunday.
    days: u8,
    opens: NaiveTime,
    closes: NaiveTime,
}

impl Default for OfficeHours {
    /// Monday to Friday, 08:00 to 16:00.
    fn default() -> Self {
        OfficeHours {
            days: 0b001_1111,
            opens: NaiveTime::from_hms_opt(8, 0, 0).expect("a valid time"),
            closes: NaiveTime::from_hms_opt(16, 0, 0).expect("a valid time"),
        }
    }
}

impl OfficeHours {
    /// Office hours on `weekdays` (ISO numbers, 1 = Monday … 7 = Sunday)
    /// from `opens` to `closes`; at least one day, and opening before closing.
    pub fn new(
        weekdays: &[u8],
        opens: NaiveTime,
        closes: NaiveTime,
    ) -> Result<OfficeHours, String> {
        if weekdays.is_empty() {
            return Err("must name at least one working day".into());
        }
        let mut days = 0u8;
        for &day in weekdays {
            if !(1..=7).contains(&day) {
                return Err("days are ISO weekday numbers, 1 (Monday) to 7 (Sunday)".into());
            }
            days |= 1 << (day - 1);
        }
        if opens >= closes {
            return Err("the office must open before it closes".into());
        }
        Ok(OfficeHours {
            days,
            opens,
            closes,
        })
    }

    /// The working weekdays as ISO numbers, Monday first.
    pub fn weekdays(&self) -> Vec<u8> {
        (1..=7)
            .filter(|d| self.days & (1 << (d - 1)) != 0)
            .collect()
    }

    /// When the office opens.
    pub fn opens(&self) -> NaiveTime {
        self.opens
    }

    /// When the office closes.
    pub fn closes(&self) -> NaiveTime {
        self.closes
    }

    /// The length of one working day.
    pub fn day_length(&self) -> Span {
        self.closes - self.opens
    }

    fn works_on(&self, date: NaiveDate) -> bool {
        self.days & (1 << date.weekday().num_days_from_monday()) != 0
    }
}

/// The days nobody works: national holidays and collective-leave days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    days_off: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// A calendar with these days off.
    pub fn new(days_off: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        Calendar {
            days_off: days_off.into_iter().collect(),
        }
    }

    /// Whether `date` is a holiday or a collective-leave day.
    pub fn is_day_off(&self, date: NaiveDate) -> bool {
        self.days_off.contains(&date)
    }
}

/// Where and when a unit works: what working time is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The unit's office hours, in local time.
    pub hours: OfficeHours,
    /// The unit's time zone.
    pub zone: Zone,
}

/// How long a stage may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// Wall-clock time, whatever the day: an emergency does not wait for Monday.
    Wall(Duration),
    /// Working days (`2wd`): each counts as one day's office hours.
    WorkingDays(u32),
    /// Working hours (`4wh`).
    WorkingHours(u32),
}

/// A calendar over ten years holds fewer working days than this many days;
/// past it the office hours cannot have any (every day a day off).
const SEARCH_DAYS: i64 = 3700;

impl Allowance {
    /// Parses `2wd` (working days), `4wh` (working hours), or a wall-clock
    /// duration with `parse_wall` (`15m`, `1h`).
    pub fn parse(
        text: &str,
        parse_wall: impl Fn(&str) -> Result<Duration, String>,
    ) -> Result<Allowance, String> {
        let text = text.trim();
        let working = |suffix: &str| -> Option<Result<u32, String>> {
            let count = text.strip_suffix(suffix)?.trim();
            Some(match count.parse::<u32>() {
                Ok(n) if n > 0 && n <= 365 => Ok(n),
                _ => Err(format!(
                    "{text:?}: a whole number from 1 to 365 before {suffix}"
                )),
            })
        };
        if let Some(days) = working("wd") {
            return days.map(Allowance::WorkingDays);
        }
        if let Some(hours) = working("wh") {
            return hours.map(Allowance::WorkingHours);
        }
        parse_wall(text).map(Allowance::Wall)
    }

    /// Whether the allowance counts working time rather than wall-clock time.
    pub fn is_working_time(&self) -> bool {
        !matches!(self, Allowance::Wall(_))
    }

    /// The allowance as written in settings: `15m`, `2wd`, `4wh`.
    pub fn label(&self) -> String {
        match self {
            Allowance::Wall(d) => {
                let s = d.as_secs();
                match s {
                    0 => format!("{}ms", d.as_millis()),
                    s if s % 86_400 == 0 => format!("{}d", s / 86_400),
                    s if s % 3600 == 0 => format!("{}h", s / 3600),
                    s if s % 60 == 0 => format!("{}m", s / 60),
                    s => format!("{s}s"),
                }
            }
            Allowance::WorkingDays(n) => format!("{n}wd"),
            Allowance::WorkingHours(n) => format!("{n}wh"),
        }
    }

    /// When a stage that began at `start` is due. Working time is counted
    /// only inside office hours on working days; time left over at a day's
    /// end carries to the next working day's opening, and a deadline that
    /// uses up a day exactly falls at that day's closing, not the next
    /// opening. So a case filed after hours on Friday with one working day
    /// is due at Monday's closing (or Tuesday's, when Monday is a holiday).
    pub fn due(
        &self,
        start: DateTime<Utc>,
        schedule: &Schedule,
        calendar: &Calendar,
    ) -> DateTime<Utc> {
        let working = match *self {
            Allowance::Wall(d) => return start + Span::from_std(d).unwrap_or(Span::MAX),
            Allowance::WorkingDays(n) => schedule.hours.day_length() * n as i32,
            Allowance::WorkingHours(n) => Span::hours(n as i64),
        };
        add_working_time(start, working, schedule, calendar)
    }
}

/// `start` plus `working` of working time.
pub fn add_working_time(
    start: DateTime<Utc>,
    working: Span,
    schedule: &Schedule,
    calendar: &Calendar,
) -> DateTime<Utc> {
    let offset = schedule.zone.offset();
    let hours = schedule.hours;
    let mut left = working;
    if left <= Span::zero() {
        return start;
    }
    let local = start.with_timezone(&offset).naive_local();
    let mut date = local.date();
    let mut from = local.time();
    for _ in 0..SEARCH_DAYS {
        if hours.works_on(date) && !calendar.is_day_off(date) {
            let begin = from.max(hours.opens);
            if begin < hours.closes {
                let available = hours.closes - begin;
                if left <= available {
                    let due = date.and_time(begin) + left;
                    return due
                        .and_local_timezone(offset)
                        .single()
                        .expect("a fixed offset")
                        .to_utc();
                }
                left -= available;
            }
        }
        date = date.succ_opt().expect("a date inside chrono's range");
        from = NaiveTime::MIN;
    }
    // Office hours that never come round: no deadline can be met, say so far ahead.
    start + Span::days(SEARCH_DAYS)
}

/// Working time between `from` and `to` (zero when `to` is not after `from`).
pub fn working_time_between(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    schedule: &Schedule,
    calendar: &Calendar,
) -> Span {
    if to <= from {
        return Span::zero();
    }
    let offset = schedule.zone.offset();
    let hours = schedule.hours;
    let start = from.with_timezone(&offset).naive_local();
    let end = to.with_timezone(&offset).naive_local();
    let mut total = Span::zero();
    let mut date = start.date();
    let last = end.date().min(date + Span::days(SEARCH_DAYS));
    while date <= last {
        if hours.works_on(date) && !calendar.is_day_off(date) {
            let mut begin = hours.opens;
            let mut finish = hours.closes;
            if date == start.date() {
                begin = begin.max(start.time());
            }
            if date == end.date() {
                finish = finish.min(end.time());
            }
            if begin < finish {
                total += finish - begin;
            }
        }
        date = date.succ_opt().expect("a date inside chrono's range");
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(zone: Zone, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        zone.offset()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a valid local time")
            .to_utc()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    fn office(zone: Zone) -> Schedule {
        Schedule {
            hours: OfficeHours::default(),
            zone,
        }
    }

    fn wall(text: &str) -> Result<Duration, String> {
        match text {
            "15m" => Ok(Duration::from_secs(900)),
            _ => Err(format!("{text:?} is not a duration")),
        }
    }

    /// The 2026 decree's days around Idul Fitri 1447: collective leave on
    /// 20, 23 and 24 March, the holiday itself on 21 and 22 March (a
    /// weekend), Nyepi on 19 March with its leave day on 18 March.
    fn lebaran_2026() -> Calendar {
        Calendar::new([
            date(2026, 3, 18),
            date(2026, 3, 19),
            date(2026, 3, 20),
            date(2026, 3, 21),
            date(2026, 3, 22),
            date(2026, 3, 23),
            date(2026, 3, 24),
        ])
    }

    #[test]
    fn working_time_deadlines_table() {
        let wib = office(Zone::Wib);
        let wit = office(Zone::Wit);
        let none = Calendar::default();
        // Ascension on Thursday 14 May 2026, collective leave on Friday 15 May;
        // Pancasila day on Monday 1 June.
        let ascension = Calendar::new([date(2026, 5, 14), date(2026, 5, 15)]);
        let pancasila = Calendar::new([date(2026, 6, 1)]);
        let new_year = Calendar::new([date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)]);
        type Case<'a> = (
            &'a str,
            DateTime<Utc>,
            Allowance,
            &'a Schedule,
            &'a Calendar,
            DateTime<Utc>,
        );
        let cases: &[Case] = &[
            (
                "inside office hours, same day",
                at(Zone::Wib, 2026, 12, 7, 9, 0),
                Allowance::WorkingHours(4),
                &wib,
                &none,
                at(Zone::Wib, 2026, 12, 7, 13, 0),
            ),
            (
                "working hours carry over the night",
                at(Zone::Wib, 2026, 12, 7, 14, 0),
                Allowance::WorkingHours(4),
                &wib,
                &none,
                at(Zone::Wib, 2026, 12, 8, 10, 0),
            ),
            (
                "Friday evening before the Pancasila long weekend waits for Tuesday",
                at(Zone::Wib, 2026, 5, 29, 18, 45),
                Allowance::WorkingDays(1),
                &wib,
                &pancasila,
                at(Zone::Wib, 2026, 6, 2, 16, 0),
            ),
            (
                "Wednesday evening before the Ascension long weekend waits for Monday",
                at(Zone::Wib, 2026, 5, 13, 19, 30),
                Allowance::WorkingDays(1),
                &wib,
                &ascension,
                at(Zone::Wib, 2026, 5, 18, 16, 0),
            ),
            (
                "two working days from Friday morning end on Tuesday",
                at(Zone::Wit, 2026, 12, 4, 10, 0),
                Allowance::WorkingDays(2),
                &wit,
                &none,
                at(Zone::Wit, 2026, 12, 8, 10, 0),
            ),
            (
                "Idul Fitri's collective leave is not working time",
                at(Zone::Wib, 2026, 3, 17, 15, 0),
                Allowance::WorkingDays(1),
                &wib,
                &lebaran_2026(),
                at(Zone::Wib, 2026, 3, 25, 15, 0),
            ),
            (
                "a unit in WIT opens two hours before Jakarta",
                at(Zone::Wib, 2026, 12, 7, 6, 0),
                Allowance::WorkingHours(1),
                &wit,
                &none,
                at(Zone::Wit, 2026, 12, 7, 9, 0),
            ),
            (
                "across the year's end and its holidays",
                at(Zone::Wita, 2026, 12, 23, 12, 0),
                Allowance::WorkingDays(5),
                &office(Zone::Wita),
                &new_year,
                at(Zone::Wita, 2027, 1, 4, 12, 0),
            ),
            (
                "an emergency counts wall-clock time, weekend or not",
                at(Zone::Wib, 2026, 12, 5, 23, 50),
                Allowance::Wall(Duration::from_secs(900)),
                &wib,
                &none,
                at(Zone::Wib, 2026, 12, 6, 0, 5),
            ),
        ];
        for (name, start, allowance, schedule, calendar, expected) in cases {
            assert_eq!(
                allowance.due(*start, schedule, calendar),
                *expected,
                "{name}"
            );
            if allowance.is_working_time() {
                let counted = working_time_between(*start, *expected, schedule, calendar);
                let asked = match allowance {
                    Allowance::WorkingDays(n) => schedule.hours.day_length() * *n as i32,
                    Allowance::WorkingHours(n) => Span::hours(*n as i64),
                    Allowance::Wall(_) => unreachable!(),
                };
                assert_eq!(counted, asked, "{name}: the working time counted back");
            }
        }
    }

    #[test]
    fn a_holiday_added_while_a_case_is_open_moves_its_deadline() {
        let schedule = office(Zone::Wib);
        let filed = at(Zone::Wib, 2027, 3, 8, 10, 0);
        let before = Allowance::WorkingDays(2).due(filed, &schedule, &Calendar::default());
        assert_eq!(before, at(Zone::Wib, 2027, 3, 10, 10, 0));
        // The sighting moves Idul Fitri onto Tuesday 9 March.
        let after =
            Allowance::WorkingDays(2).due(filed, &schedule, &Calendar::new([date(2027, 3, 9)]));
        assert_eq!(after, at(Zone::Wib, 2027, 3, 11, 10, 0));
    }

    #[test]
    fn office_hours_of_other_days_and_times_are_honoured() {
        let saturday_mornings = Schedule {
            hours: OfficeHours::new(
                &[1, 2, 3, 4, 5, 6],
                NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
                NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            )
            .unwrap(),
            zone: Zone::Wita,
        };
        let due = Allowance::WorkingHours(2).due(
            at(Zone::Wita, 2026, 12, 5, 11, 0),
            &saturday_mornings,
            &Calendar::default(),
        );
        assert_eq!(due, at(Zone::Wita, 2026, 12, 7, 8, 30));
        assert_eq!(saturday_mornings.hours.weekdays(), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn allowances_parse_working_and_wall_time() {
        assert_eq!(Allowance::parse("2wd", wall), Ok(Allowance::WorkingDays(2)));
        assert_eq!(
            Allowance::parse(" 4wh ", wall),
            Ok(Allowance::WorkingHours(4))
        );
        assert_eq!(
            Allowance::parse("15m", wall),
            Ok(Allowance::Wall(Duration::from_secs(900)))
        );
        for bad in ["0wd", "-1wd", "1.5wd", "wd", "999wh", "soon"] {
            assert!(Allowance::parse(bad, wall).is_err(), "{bad}");
        }
        assert_eq!(Allowance::WorkingDays(2).label(), "2wd");
        assert_eq!(Allowance::Wall(Duration::from_secs(900)).label(), "15m");
    }

    #[test]
    fn office_hours_must_make_sense() {
        let eight = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
        let four = NaiveTime::from_hms_opt(16, 0, 0).unwrap();
        assert!(OfficeHours::new(&[], eight, four).is_err());
        assert!(OfficeHours::new(&[0], eight, four).is_err());
        assert!(OfficeHours::new(&[8], eight, four).is_err());
        assert!(OfficeHours::new(&[1], four, eight).is_err());
        assert_eq!(
            OfficeHours::new(&[1, 2, 3, 4, 5], eight, four),
            Ok(OfficeHours::default())
        );
    }

    #[test]
    fn every_province_has_its_zone() {
        assert_eq!(Zone::for_region("31.71"), Some(Zone::Wib));
        assert_eq!(Zone::for_region("13.03"), Some(Zone::Wib));
        assert_eq!(Zone::for_region("51"), Some(Zone::Wita));
        assert_eq!(Zone::for_region("73.71"), Some(Zone::Wita));
        assert_eq!(Zone::for_region("91.71"), Some(Zone::Wit));
        assert_eq!(Zone::for_region("81"), Some(Zone::Wit));
        assert_eq!(Zone::for_region("99"), None);
    }
}
