//! The response and resolution clocks of incident cases.
//!
//! An office promises to answer a report within so many hours and to resolve it within so many
//! more, and judges itself by whether it did. Those hours are fair only if they leave out the time
//! the case spent waiting on the reporter or an outside party, and, for most offices, the nights,
//! weekends and public holidays when nobody is at work. Everything here is pure arithmetic on
//! instants so the web pages, the reminders and the reports agree on one due time.
//!
//! Instants come in and go out as `OffsetDateTime` in UTC, as the store keeps them; working days
//! and windows are read in Vietnam time, because that is where the office works.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use time::macros::{date, time};
use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset, Weekday};

use crate::report::VIETNAM;

/// Which hours a clock counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    AroundTheClock,
    WorkingHours,
}

/// When a unit works, in Vietnam time: one window per working day, the working weekdays, and the
/// days off (public holidays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingTime {
    pub day_start: Time,
    pub day_end: Time,
    pub weekdays: Vec<Weekday>,
    pub holidays: BTreeSet<Date>,
}

/// A holiday list the settings page could not read; the message is shown to the person who typed
/// it, so it names the item to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayError {
    #[error("Ngày nghỉ không hợp lệ: «{0}».")]
    Invalid(String),
}

/// How much of a bad item to quote back: a pasted paragraph should not fill the error banner.
const QUOTED_ITEM_CHARS: usize = 40;

impl WorkingTime {
    /// Monday to Friday, 07:00–17:00 Vietnam time, with `default_holidays()`.
    ///
    /// Public offices and schools in Vietnam mostly keep these hours; an office that differs
    /// changes its settings rather than the code.
    pub fn vietnam_default() -> WorkingTime {
        WorkingTime {
            day_start: time!(7:00),
            day_end: time!(17:00),
            weekdays: vec![
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ],
            holidays: default_holidays(),
        }
    }

    /// Length of one working day (`day_end - day_start`); zero or negative means the settings are
    /// unusable for counting working hours (see [`elapsed`]).
    pub fn day_length(&self) -> Duration {
        self.day_end - self.day_start
    }

    /// Parses a holiday list as people type it in the settings: dates "dd/mm/yyyy" or
    /// "yyyy-mm-dd", separated by commas, semicolons, spaces or new lines.
    ///
    /// Both forms are accepted because Vietnamese users write the first and spreadsheets and date
    /// pickers paste the second. Day and month may have one digit ("2/9/2027") since that is how
    /// dates are usually written by hand. The first bad item stops the parse: saving half a list
    /// would silently leave a holiday out.
    pub fn parse_holidays(text: &str) -> Result<BTreeSet<Date>, HolidayError> {
        text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(|item| parse_holiday(item).ok_or_else(|| HolidayError::Invalid(quote_item(item))))
            .collect()
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: Date) -> bool {
        self.weekdays.contains(&day.weekday()) && !self.holidays.contains(&day)
    }

    /// Whether working hours can be counted at all. Without a working weekday or with an empty
    /// window no instant would ever count, and every due time would be "never"; a misconfigured
    /// office must still get due times, so such settings fall back to counting around the clock.
    fn counts_working_hours(&self) -> bool {
        !self.weekdays.is_empty() && self.day_end > self.day_start
    }
}

/// A working time as typed in the settings, with every problem named by its field: the day's
/// window as "HH:MM" (start before end), the working weekdays as ISO numbers (1 = Monday,
/// 7 = Sunday; at least one) and the holidays as [`WorkingTime::parse_holidays`] reads them.
pub fn parse_working_time(
    day_start: &str,
    day_end: &str,
    weekdays: &[u8],
    holidays: &str,
) -> Result<WorkingTime, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let start = parse_hour_minute(day_start);
    if start.is_none() {
        problems.push((
            "day_start",
            "Giờ bắt đầu phải viết dạng giờ:phút, ví dụ 07:00.".to_string(),
        ));
    }
    let end = parse_hour_minute(day_end);
    match (start, end) {
        (_, None) => problems.push((
            "day_end",
            "Giờ kết thúc phải viết dạng giờ:phút, ví dụ 17:00.".to_string(),
        )),
        (Some(s), Some(e)) if e <= s => {
            problems.push(("day_end", "Giờ kết thúc phải sau giờ bắt đầu.".to_string()));
        }
        _ => {}
    }
    let mut days = Vec::new();
    for n in weekdays {
        match n {
            1..=7 => {
                let day = Weekday::Sunday.nth_next(*n);
                if !days.contains(&day) {
                    days.push(day);
                }
            }
            _ => {
                problems.push((
                    "weekdays",
                    "Ngày trong tuần phải từ 1 (thứ Hai) đến 7 (Chủ nhật).".to_string(),
                ));
                break;
            }
        }
    }
    if weekdays.is_empty() {
        problems.push(("weekdays", "Chọn ít nhất một ngày làm việc trong tuần.".to_string()));
    }
    days.sort_by_key(|d| d.number_from_monday());
    let holidays = WorkingTime::parse_holidays(holidays).unwrap_or_else(|e| {
        problems.push(("holidays", e.to_string()));
        BTreeSet::new()
    });
    match (start, end) {
        (Some(day_start), Some(day_end)) if problems.is_empty() => Ok(WorkingTime {
            day_start,
            day_end,
            weekdays: days,
            holidays,
        }),
        _ => Err(problems),
    }
}

/// "HH:MM" (or "H:MM") as a time of day; anything else, seconds included, is not one.
pub fn parse_hour_minute(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    let hour = u8::try_from(number(h, 1, 2)?).ok()?;
    let minute = u8::try_from(number(m, 2, 2)?).ok()?;
    Time::from_hms(hour, minute, 0).ok()
}

/// A time of day as "HH:MM", the form [`parse_hour_minute`] reads.
pub fn hour_minute_text(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn parse_holiday(item: &str) -> Option<Date> {
    let (year, month, day) = if item.contains('/') {
        let mut parts = item.split('/');
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    } else {
        let mut parts = item.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    let year = number(year, 4, 4)?;
    let month = Month::try_from(u8::try_from(number(month, 1, 2)?).ok()?).ok()?;
    let day = u8::try_from(number(day, 1, 2)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// A run of `min..=max` ASCII digits as a number: signs, spaces and other digits are typing
/// mistakes, not dates.
fn number(text: &str, min: usize, max: usize) -> Option<i32> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn quote_item(item: &str) -> String {
    if item.chars().count() <= QUOTED_ITEM_CHARS {
        item.to_owned()
    } else {
        let mut quoted: String = item.chars().take(QUOTED_ITEM_CHARS).collect();
        quoted.push('…');
        quoted
    }
}

/// Tết and the Hùng Kings' day, which follow the lunar calendar, as solar dates. Each row is
/// (the last day of the old lunar year, the first day of the new one, the Hùng Kings' day) for
/// one calendar year; Tết is the first date and the four days from the second.
///
/// Computed with the Vietnamese lunar calendar (UTC+7 new moons and solar terms), checked against
/// the known dates of earlier years (Tết 2024 = 10 February, Tết 2025 = 29 January, Hùng Kings'
/// 2024 = 18 April, 2025 = 7 April) and against the press for the Hùng Kings' day 2026.
const LUNAR_HOLIDAYS: [(Date, Date, Date); 3] = [
    (
        date!(2026 - 02 - 16), // 29th of the 12th month of Ất Tỵ (a 29-day month).
        date!(2026 - 02 - 17), // 1st of the 1st month of Bính Ngọ.
        date!(2026 - 04 - 26), // 10th of the 3rd month of Bính Ngọ.
    ),
    (
        date!(2027 - 02 - 05), // 29th of the 12th month of Bính Ngọ (a 29-day month).
        date!(2027 - 02 - 06), // 1st of the 1st month of Đinh Mùi.
        date!(2027 - 04 - 16), // 10th of the 3rd month of Đinh Mùi.
    ),
    (
        date!(2028 - 01 - 25), // 29th of the 12th month of Đinh Mùi (a 29-day month).
        date!(2028 - 01 - 26), // 1st of the 1st month of Mậu Thân.
        date!(2028 - 04 - 04), // 10th of the 3rd month of Mậu Thân.
    ),
];

/// Days of the new lunar year off under the Labour Code, after the last day of the old one.
const TET_NEW_YEAR_DAYS: i64 = 4;

/// Vietnam's public holidays for the calendar years 2026, 2027 and 2028 as the Labour Code 2019
/// (art. 112) gives them: 1 January; Tết, five days from the last day of the lunar year; the Hùng
/// Kings' day (10th of the 3rd lunar month); 30 April; 1 May; National Day, 2 September with 1
/// September as its adjacent day.
///
/// This is only a starting list. The government decides each year which days are given in
/// substitution when a holiday falls on a weekend, and sometimes moves the Tết days around; those
/// decisions come too late and vary too much to live in code, so offices edit the list in their
/// settings. Years outside 2026–2028 must be entered there too.
pub fn default_holidays() -> BTreeSet<Date> {
    let mut days = BTreeSet::new();
    for (year_eve, new_year, hung_kings) in LUNAR_HOLIDAYS {
        let year = hung_kings.year();
        for (month, day) in [
            (Month::January, 1),
            (Month::April, 30),
            (Month::May, 1),
            (Month::September, 1),
            (Month::September, 2),
        ] {
            // These are real calendar days in every year, so the constructor cannot fail; the
            // `if let` only keeps an impossible error from panicking.
            if let Ok(d) = Date::from_calendar_date(year, month, day) {
                days.insert(d);
            }
        }
        days.insert(year_eve);
        for offset in 0..TET_NEW_YEAR_DAYS {
            if let Some(d) = new_year.checked_add(Duration::days(offset)) {
                days.insert(d);
            }
        }
        days.insert(hung_kings);
    }
    days
}

/// A time span during which a clock stood still (the case was waiting). `to == None`: still
/// waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: OffsetDateTime,
    pub to: Option<OffsetDateTime>,
}

/// Where a clock with `budget` of counted time, started at `start`, stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Running: due at this instant (UTC), computed as the first instant at which the counted
    /// time since `start` reaches `budget`, honouring the closed pauses.
    At(OffsetDateTime),
    /// Stopped by an open pause; this much counted time remains.
    Paused { remaining: Duration },
}

/// How far [`due`] looks ahead. Counting working hours walks day by day, and a budget of years
/// (a typo, or `Duration::MAX`) must not hang the page that asked; ten years is beyond any real
/// promise to answer a case.
pub const MAX_WALK_DAYS: i64 = 3660;

/// Counted time between `start` and `now`: excludes pauses and, on `WorkingHours`, everything
/// outside the working windows of working days.
///
/// Pauses may overlap and come in any order, since they are recorded as people click; parts
/// before `start` or after `now` are clipped, and an open pause counts as lasting until `now`.
/// Unlike [`due`] there is no horizon: `now` bounds the walk, and a case open for years should
/// still show its true count.
pub fn elapsed(
    start: OffsetDateTime,
    now: OffsetDateTime,
    basis: Basis,
    pauses: &[Pause],
    wt: &WorkingTime,
) -> Duration {
    if now <= start {
        return Duration::ZERO;
    }
    let stops = stops(pauses, start, now);
    let mut total = Duration::ZERO;
    let _: Option<()> = walk(start, now, basis, wt, &stops, |from, to| {
        total = total.saturating_add(to - from);
        ControlFlow::Continue(())
    });
    total
}

/// Where a clock with `budget` of counted time, started at `start`, stands.
///
/// An open pause stops the clock, and a stopped clock has no due instant, only what is left: the
/// page shows "paused, 3 h left" rather than a date that moves every minute. If the budget was
/// already spent when the pause began, what is left is zero, not a negative amount. When several
/// pauses are open, the earliest one stopped the clock.
///
/// A running clock is due at the first instant at which its counted time reaches the budget, so
/// a budget that ends exactly with a working day is due at the close of that day, not the next
/// morning; a zero budget is due at the first counted instant at or after `start`. A negative
/// budget counts as zero. A budget not reached within [`MAX_WALK_DAYS`] days is due at the end of
/// that horizon.
pub fn due(start: OffsetDateTime, budget: Duration, basis: Basis, pauses: &[Pause], wt: &WorkingTime) -> Due {
    let budget = budget.max(Duration::ZERO);
    if let Some(stopped_at) = pauses.iter().filter(|p| p.to.is_none()).map(|p| p.from).min() {
        let spent = elapsed(start, stopped_at, basis, pauses, wt);
        return Due::Paused {
            remaining: budget.saturating_sub(spent).max(Duration::ZERO),
        };
    }
    let horizon = start
        .checked_add(Duration::days(MAX_WALK_DAYS))
        .unwrap_or_else(|| Date::MAX.with_time(Time::MAX).assume_utc());
    let stops = stops(pauses, start, horizon);
    let mut remaining = budget;
    let at = walk(start, horizon, basis, wt, &stops, |from, to| {
        let length = to - from;
        if remaining <= length {
            // `from + remaining` lies within `from..=to`, so it is representable; falling back to
            // `to` only keeps an impossible overflow from panicking.
            ControlFlow::Break(from.checked_add(remaining).unwrap_or(to))
        } else {
            remaining -= length;
            ControlFlow::Continue(())
        }
    })
    .unwrap_or(horizon);
    Due::At(in_utc(at))
}

/// Converts to UTC for the store; an instant too close to the ends of the calendar to convert is
/// left in its own offset rather than panicking, as it still names the same instant.
fn in_utc(at: OffsetDateTime) -> OffsetDateTime {
    at.checked_to_offset(UtcOffset::UTC).unwrap_or(at)
}

/// The pauses clipped to `lo..hi`, sorted and merged, so the walk can subtract them in one pass.
/// An open pause lasts until `hi`; empty and backwards pauses are dropped.
fn stops(pauses: &[Pause], lo: OffsetDateTime, hi: OffsetDateTime) -> Vec<(OffsetDateTime, OffsetDateTime)> {
    let mut clipped: Vec<_> = pauses
        .iter()
        .filter_map(|p| {
            let from = p.from.max(lo);
            let to = p.to.unwrap_or(hi).min(hi);
            (from < to).then_some((from, to))
        })
        .collect();
    clipped.sort_unstable();
    let mut merged: Vec<(OffsetDateTime, OffsetDateTime)> = Vec::with_capacity(clipped.len());
    for (from, to) in clipped {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// Calls `visit` with each non-empty counted piece of `start..end`, in order: the working windows
/// (or the whole span around the clock) minus the stops. Stops when `visit` breaks and returns
/// its value.
fn walk<T>(
    start: OffsetDateTime,
    end: OffsetDateTime,
    basis: Basis,
    wt: &WorkingTime,
    stops: &[(OffsetDateTime, OffsetDateTime)],
    mut visit: impl FnMut(OffsetDateTime, OffsetDateTime) -> ControlFlow<T>,
) -> Option<T> {
    let mut pieces = Pieces { stops, next_stop: 0 };
    if basis == Basis::AroundTheClock || !wt.counts_working_hours() {
        return pieces.visit(start, end, &mut visit);
    }
    let mut day = vietnam_day(start);
    let last_day = vietnam_day(end);
    loop {
        if wt.is_working_day(day) {
            let open = day.with_time(wt.day_start).assume_offset(VIETNAM).max(start);
            let close = day.with_time(wt.day_end).assume_offset(VIETNAM).min(end);
            if let Some(found) = pieces.visit(open, close, &mut visit) {
                return Some(found);
            }
        }
        match day.next_day() {
            Some(next) if next <= last_day => day = next,
            _ => return None,
        }
    }
}

/// The date in Vietnam of an instant, without the panic `to_offset` has at the ends of the
/// calendar (where the date may then be off by a day, which no office will live to notice).
fn vietnam_day(at: OffsetDateTime) -> Date {
    at.checked_to_offset(VIETNAM).unwrap_or(at).date()
}

/// Subtracts the sorted stops from chronological spans, remembering which stops are behind us so
/// a walk over years of days stays linear.
struct Pieces<'a> {
    stops: &'a [(OffsetDateTime, OffsetDateTime)],
    next_stop: usize,
}

impl Pieces<'_> {
    fn visit<T>(
        &mut self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        visit: &mut impl FnMut(OffsetDateTime, OffsetDateTime) -> ControlFlow<T>,
    ) -> Option<T> {
        if from >= to {
            return None;
        }
        let mut cursor = from;
        while let Some(&(stop_from, stop_to)) = self.stops.get(self.next_stop) {
            if stop_to <= cursor {
                self.next_stop += 1;
                continue;
            }
            if stop_from >= to {
                break;
            }
            if cursor < stop_from
                && let ControlFlow::Break(found) = visit(cursor, stop_from)
            {
                return Some(found);
            }
            cursor = cursor.max(stop_to);
            if stop_to >= to {
                return None;
            }
            self.next_stop += 1;
        }
        if cursor < to
            && let ControlFlow::Break(found) = visit(cursor, to)
        {
            return Some(found);
        }
        None
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_working_time_is_read_from_the_settings_form() {
        let wt = parse_working_time("7:30", "16:45", &[6, 1, 1, 7], "2/9/2027\n2027-11-20").unwrap();
        assert_eq!(wt.day_start, time!(7:30));
        assert_eq!(wt.day_end, time!(16:45));
        assert_eq!(wt.weekdays, vec![Weekday::Monday, Weekday::Saturday, Weekday::Sunday]);
        assert_eq!(wt.holidays.len(), 2);
        let problems = parse_working_time("7h", "6h", &[], "31/2/2027").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["day_start", "day_end", "weekdays", "holidays"]);
        let problems = parse_working_time("08:00", "08:00", &[0, 8], "").unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].1.contains("sau giờ bắt đầu"));
        assert!(parse_hour_minute("07:00:00").is_none());
        assert!(parse_hour_minute("24:00").is_none());
        assert_eq!(hour_minute_text(time!(7:05)), "07:05");
    }

    use time::macros::datetime;

    use super::*;

    fn wt() -> WorkingTime {
        WorkingTime::vietnam_default()
    }

    fn hours(h: i64) -> Duration {
        Duration::hours(h)
    }

    fn closed(from: OffsetDateTime, to: OffsetDateTime) -> Pause {
        Pause { from, to: Some(to) }
    }

    fn open(from: OffsetDateTime) -> Pause {
        Pause { from, to: None }
    }

    fn due_at(d: Due) -> OffsetDateTime {
        match d {
            Due::At(at) => at,
            Due::Paused { .. } => panic!("expected a running clock, got {d:?}"),
        }
    }

    #[test]
    fn around_the_clock_without_pauses_is_start_plus_budget() {
        let start = datetime!(2027-03-05 22:30 +7);
        let at = due_at(due(start, hours(30), Basis::AroundTheClock, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-07 04:30 +7));
        assert_eq!(at.offset(), UtcOffset::UTC);
    }

    #[test]
    fn closed_pause_inside_the_window_moves_due_later() {
        let start = datetime!(2027-03-05 08:00 +7);
        let pause = closed(datetime!(2027-03-05 10:00 +7), datetime!(2027-03-05 13:00 +7));
        let at = due_at(due(start, hours(8), Basis::AroundTheClock, &[pause], &wt()));
        assert_eq!(at, datetime!(2027-03-05 19:00 +7));
    }

    #[test]
    fn pause_starting_before_start_is_clipped() {
        let start = datetime!(2027-03-05 08:00 +7);
        let pause = closed(datetime!(2027-03-05 03:00 +7), datetime!(2027-03-05 09:00 +7));
        let at = due_at(due(start, hours(8), Basis::AroundTheClock, &[pause], &wt()));
        assert_eq!(at, datetime!(2027-03-05 17:00 +7));
    }

    #[test]
    fn pause_after_due_does_not_matter() {
        let start = datetime!(2027-03-05 08:00 +7);
        let pause = closed(datetime!(2027-03-06 08:00 +7), datetime!(2027-03-07 08:00 +7));
        let at = due_at(due(start, hours(8), Basis::AroundTheClock, &[pause], &wt()));
        assert_eq!(at, datetime!(2027-03-05 16:00 +7));
    }

    #[test]
    fn open_pause_stops_the_clock_with_what_remains() {
        let start = datetime!(2027-03-05 08:00 +7);
        let pauses = [
            closed(datetime!(2027-03-05 09:00 +7), datetime!(2027-03-05 10:00 +7)),
            open(datetime!(2027-03-05 12:00 +7)),
        ];
        let d = due(start, hours(8), Basis::AroundTheClock, &pauses, &wt());
        assert_eq!(d, Due::Paused { remaining: hours(5) });
    }

    #[test]
    fn open_pause_on_working_hours_counts_only_working_time() {
        // Friday 16:00 to Monday 09:00: one hour on Friday, two on Monday.
        let start = datetime!(2027-03-05 16:00 +7);
        let pauses = [open(datetime!(2027-03-08 09:00 +7))];
        let d = due(start, hours(8), Basis::WorkingHours, &pauses, &wt());
        assert_eq!(d, Due::Paused { remaining: hours(5) });
    }

    #[test]
    fn open_pause_after_the_budget_is_spent_leaves_zero_not_negative() {
        let start = datetime!(2027-03-05 08:00 +7);
        let pauses = [open(datetime!(2027-03-06 08:00 +7))];
        let d = due(start, hours(8), Basis::AroundTheClock, &pauses, &wt());
        assert_eq!(
            d,
            Due::Paused {
                remaining: Duration::ZERO
            }
        );
    }

    #[test]
    fn open_pause_before_start_leaves_the_whole_budget() {
        let start = datetime!(2027-03-05 08:00 +7);
        let pauses = [open(datetime!(2027-03-04 08:00 +7))];
        let d = due(start, hours(8), Basis::WorkingHours, &pauses, &wt());
        assert_eq!(d, Due::Paused { remaining: hours(8) });
    }

    #[test]
    fn earliest_open_pause_is_the_one_that_stopped_the_clock() {
        let start = datetime!(2027-03-05 08:00 +7);
        let pauses = [
            open(datetime!(2027-03-05 12:00 +7)),
            open(datetime!(2027-03-05 10:00 +7)),
        ];
        let d = due(start, hours(8), Basis::AroundTheClock, &pauses, &wt());
        assert_eq!(d, Due::Paused { remaining: hours(6) });
    }

    #[test]
    fn friday_afternoon_case_is_due_monday_afternoon() {
        let start = datetime!(2027-03-05 16:00 +7);
        assert_eq!(start.weekday(), Weekday::Friday);
        let at = due_at(due(start, hours(8), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-08 14:00 +7));
        assert_eq!(at.offset(), UtcOffset::UTC);
        assert_eq!(at, datetime!(2027-03-08 07:00 UTC));
    }

    #[test]
    fn saturday_case_is_counted_from_monday_morning() {
        let start = datetime!(2027-03-06 10:00 +7);
        let at = due_at(due(start, hours(8), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-08 15:00 +7));
    }

    #[test]
    fn early_morning_case_is_counted_from_day_start() {
        let start = datetime!(2027-03-08 05:00 +7);
        let at = due_at(due(start, hours(2), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-08 09:00 +7));
    }

    #[test]
    fn evening_case_is_counted_from_next_morning() {
        let start = datetime!(2027-03-08 18:30 +7);
        let at = due_at(due(start, hours(2), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-09 09:00 +7));
    }

    #[test]
    fn holiday_is_skipped() {
        // 30 April 2027 is a Friday; 1 May falls on the Saturday.
        let start = datetime!(2027-04-29 16:00 +7);
        let at = due_at(due(start, hours(2), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-05-03 08:00 +7));
    }

    #[test]
    fn tet_week_is_skipped_entirely() {
        // Tết 2026 runs Monday 16 to Friday 20 February.
        let start = datetime!(2026-02-13 16:00 +7);
        let at = due_at(due(start, hours(2), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2026-02-23 08:00 +7));
    }

    #[test]
    fn budget_ending_with_the_window_is_due_at_day_end() {
        let start = datetime!(2027-03-08 07:00 +7);
        let at = due_at(due(start, hours(10), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-08 17:00 +7));
        let start = datetime!(2027-03-05 16:00 +7);
        let at = due_at(due(start, hours(11), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-08 17:00 +7));
    }

    #[test]
    fn zero_budget_is_due_at_the_first_counted_instant() {
        let start = datetime!(2027-03-06 10:00 +7);
        let at = due_at(due(start, Duration::ZERO, Basis::AroundTheClock, &[], &wt()));
        assert_eq!(at, start);
        let at = due_at(due(start, Duration::ZERO, Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-08 07:00 +7));
        let start = datetime!(2027-03-08 10:00 +7);
        let at = due_at(due(start, Duration::ZERO, Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, start);
        // The close of a day is not counted, so nothing is due before the next morning.
        let start = datetime!(2027-03-08 17:00 +7);
        let at = due_at(due(start, Duration::ZERO, Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-09 07:00 +7));
    }

    #[test]
    fn negative_budget_counts_as_zero() {
        let start = datetime!(2027-03-08 10:00 +7);
        let at = due_at(due(start, hours(-3), Basis::AroundTheClock, &[], &wt()));
        assert_eq!(at, start);
    }

    #[test]
    fn pauses_on_working_hours_only_subtract_working_time() {
        // Waiting from Friday 15:00 to Monday 08:00 costs the two Friday hours and one Monday hour,
        // not the weekend.
        let start = datetime!(2027-03-05 09:00 +7);
        let pause = closed(datetime!(2027-03-05 15:00 +7), datetime!(2027-03-08 08:00 +7));
        let at = due_at(due(start, hours(8), Basis::WorkingHours, &[pause], &wt()));
        assert_eq!(at, datetime!(2027-03-08 10:00 +7));
    }

    #[test]
    fn inputs_in_other_offsets_give_the_same_instant_in_utc() {
        let start = datetime!(2027-03-05 09:00 UTC); // 16:00 in Vietnam.
        let at = due_at(due(start, hours(8), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-08 07:00 UTC));
        assert_eq!(at.offset(), UtcOffset::UTC);
        // 23:30 UTC on Sunday is already Monday 06:30 in Vietnam.
        let start = datetime!(2027-03-07 23:30 UTC);
        let at = due_at(due(start, hours(1), Basis::WorkingHours, &[], &wt()));
        assert_eq!(at, datetime!(2027-03-08 08:00 +7));
    }

    #[test]
    fn office_without_working_days_counts_around_the_clock() {
        let start = datetime!(2027-03-06 10:00 +7);
        let no_days = WorkingTime {
            weekdays: Vec::new(),
            ..wt()
        };
        let at = due_at(due(start, hours(8), Basis::WorkingHours, &[], &no_days));
        assert_eq!(at, datetime!(2027-03-06 18:00 +7));
        let backwards = WorkingTime {
            day_start: time!(17:00),
            day_end: time!(7:00),
            ..wt()
        };
        assert!(backwards.day_length().is_negative());
        let at = due_at(due(start, hours(8), Basis::WorkingHours, &[], &backwards));
        assert_eq!(at, datetime!(2027-03-06 18:00 +7));
        let empty = WorkingTime {
            day_end: time!(7:00),
            ..wt()
        };
        assert_eq!(
            elapsed(start, start + hours(5), Basis::WorkingHours, &[], &empty),
            hours(5)
        );
    }

    #[test]
    fn huge_budget_stops_at_the_horizon() {
        let start = datetime!(2027-03-08 10:00 +7);
        let horizon = start + Duration::days(MAX_WALK_DAYS);
        for basis in [Basis::AroundTheClock, Basis::WorkingHours] {
            assert_eq!(due_at(due(start, Duration::MAX, basis, &[], &wt())), horizon);
        }
        let every_day_off = WorkingTime {
            weekdays: vec![Weekday::Sunday],
            holidays: std::iter::successors(Some(start.date()), |d| d.next_day())
                .take(4000)
                .filter(|d| d.weekday() == Weekday::Sunday)
                .collect(),
            ..wt()
        };
        assert_eq!(
            due_at(due(start, hours(1), Basis::WorkingHours, &[], &every_day_off)),
            horizon
        );
    }

    #[test]
    fn elapsed_merges_overlapping_unsorted_pauses_and_clips_them() {
        let start = datetime!(2027-03-05 08:00 +7);
        let now = datetime!(2027-03-05 20:00 +7);
        let pauses = [
            closed(datetime!(2027-03-05 12:00 +7), datetime!(2027-03-05 14:00 +7)),
            closed(datetime!(2027-03-05 06:00 +7), datetime!(2027-03-05 09:00 +7)),
            closed(datetime!(2027-03-05 13:00 +7), datetime!(2027-03-05 15:00 +7)),
            closed(datetime!(2027-03-05 12:30 +7), datetime!(2027-03-05 12:45 +7)),
            closed(datetime!(2027-03-05 19:00 +7), datetime!(2027-03-05 23:00 +7)),
            // Backwards and empty pauses are ignored.
            closed(datetime!(2027-03-05 11:00 +7), datetime!(2027-03-05 10:00 +7)),
            closed(datetime!(2027-03-05 10:00 +7), datetime!(2027-03-05 10:00 +7)),
        ];
        // 12 h minus 1 h (08–09), 3 h (12–15) and 1 h (19–20).
        assert_eq!(elapsed(start, now, Basis::AroundTheClock, &pauses, &wt()), hours(7));
        // The working window ends at 17:00: 9 h minus 1 h and 3 h.
        assert_eq!(elapsed(start, now, Basis::WorkingHours, &pauses, &wt()), hours(5));
    }

    #[test]
    fn elapsed_counts_an_open_pause_until_now() {
        let start = datetime!(2027-03-05 08:00 +7);
        let now = datetime!(2027-03-05 12:00 +7);
        let pauses = [open(datetime!(2027-03-05 10:00 +7))];
        assert_eq!(elapsed(start, now, Basis::AroundTheClock, &pauses, &wt()), hours(2));
    }

    #[test]
    fn elapsed_before_start_is_zero() {
        let start = datetime!(2027-03-05 08:00 +7);
        let now = datetime!(2027-03-05 07:00 +7);
        assert_eq!(elapsed(start, now, Basis::AroundTheClock, &[], &wt()), Duration::ZERO);
        assert_eq!(elapsed(start, start, Basis::WorkingHours, &[], &wt()), Duration::ZERO);
    }

    #[test]
    fn elapsed_on_working_hours_skips_nights_weekends_and_holidays() {
        // Thursday 29 April 2027 15:00 to Tuesday 4 May 10:00: 2 h + (Friday is 30 April) + 10 h
        // on Monday + 3 h on Tuesday.
        let start = datetime!(2027-04-29 15:00 +7);
        let now = datetime!(2027-05-04 10:00 +7);
        assert_eq!(elapsed(start, now, Basis::WorkingHours, &[], &wt()), hours(15));
    }

    #[test]
    fn default_working_time() {
        let wt = wt();
        assert_eq!(wt.day_length(), hours(10));
        assert!(wt.is_working_day(date!(2027 - 03 - 08)));
        assert!(!wt.is_working_day(date!(2027 - 03 - 06)));
        assert!(!wt.is_working_day(date!(2027 - 03 - 07)));
        assert!(!wt.is_working_day(date!(2027 - 04 - 30)));
        assert_eq!(wt.holidays, default_holidays());
    }

    #[test]
    fn default_holidays_follow_the_labour_code() {
        let days = default_holidays();
        // Per year: 1/1, five of Tết, the Hùng Kings' day, 30/4, 1/5, 1/9 and 2/9.
        assert_eq!(days.len(), 3 * 11);
        let expected_lunar = [
            date!(2026 - 02 - 16),
            date!(2026 - 02 - 17),
            date!(2026 - 02 - 18),
            date!(2026 - 02 - 19),
            date!(2026 - 02 - 20),
            date!(2026 - 04 - 26),
            date!(2027 - 02 - 05),
            date!(2027 - 02 - 06),
            date!(2027 - 02 - 07),
            date!(2027 - 02 - 08),
            date!(2027 - 02 - 09),
            date!(2027 - 04 - 16),
            date!(2028 - 01 - 25),
            date!(2028 - 01 - 26),
            date!(2028 - 01 - 27),
            date!(2028 - 01 - 28),
            date!(2028 - 01 - 29),
            date!(2028 - 04 - 04),
        ];
        for day in expected_lunar {
            assert!(days.contains(&day), "{day} missing");
        }
        for year in 2026..=2028 {
            for (month, day) in [(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)] {
                let month = Month::try_from(month).unwrap();
                assert!(days.contains(&Date::from_calendar_date(year, month, day).unwrap()));
            }
        }
        assert!(!days.contains(&date!(2026 - 02 - 21)));
        assert!(!days.contains(&date!(2026 - 02 - 15)));
    }

    #[test]
    fn parse_holidays_accepts_both_forms_and_any_separator() {
        let parsed = WorkingTime::parse_holidays("02/09/2027, 2027-09-01;\n1/1/2028  2028-04-04\r\n;;,").unwrap();
        let expected: BTreeSet<Date> = [
            date!(2027 - 09 - 01),
            date!(2027 - 09 - 02),
            date!(2028 - 01 - 01),
            date!(2028 - 04 - 04),
        ]
        .into_iter()
        .collect();
        assert_eq!(parsed, expected);
    }

    #[test]
    fn parse_holidays_of_empty_input_is_empty() {
        assert_eq!(WorkingTime::parse_holidays(""), Ok(BTreeSet::new()));
        assert_eq!(WorkingTime::parse_holidays(" \n, ;\t"), Ok(BTreeSet::new()));
    }

    #[test]
    fn parse_holidays_names_the_bad_item_in_vietnamese() {
        let err = WorkingTime::parse_holidays("01/01/2027, 31/02/2027, 2027-13-01").unwrap_err();
        assert_eq!(err, HolidayError::Invalid("31/02/2027".into()));
        assert_eq!(err.to_string(), "Ngày nghỉ không hợp lệ: «31/02/2027».");
        for bad in [
            "2027-13-01",
            "1/1/27",
            "01/01/2027/1",
            "2027-01",
            "+1/01/2027",
            "01.01.2027",
            "Tết",
            "2027-1-1-1",
            "001/01/2027",
        ] {
            assert_eq!(
                WorkingTime::parse_holidays(bad),
                Err(HolidayError::Invalid(bad.into())),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn parse_holidays_quotes_only_the_start_of_a_long_item() {
        let long = "x".repeat(100);
        let err = WorkingTime::parse_holidays(&long).unwrap_err();
        assert_eq!(err, HolidayError::Invalid(format!("{}…", "x".repeat(40))));
    }

    /// A small deterministic generator, so the property test needs no new dependency and fails
    /// the same way every run.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: i64) -> i64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n.unsigned_abs()) as i64
        }
    }

    #[test]
    fn due_is_the_first_instant_the_budget_is_used_up() {
        let mut rng = Lcg(0x1a2b_3c4d);
        let origin = datetime!(2026-01-01 00:00 UTC);
        let wt = wt();
        let mut checked = 0;
        for case in 0..600 {
            let basis = if case % 2 == 0 {
                Basis::AroundTheClock
            } else {
                Basis::WorkingHours
            };
            let start = origin + Duration::seconds(rng.below(3 * 365 * 86_400));
            let budget = if rng.below(10) == 0 {
                Duration::ZERO
            } else {
                Duration::seconds(rng.below(200 * 3600))
            };
            let pauses: Vec<Pause> = (0..rng.below(4))
                .map(|_| {
                    let from = start + Duration::seconds(rng.below(25 * 86_400) - 2 * 86_400);
                    let to = from + Duration::seconds(rng.below(3 * 86_400));
                    closed(from, to)
                })
                .collect();
            let Due::At(at) = due(start, budget, basis, &pauses, &wt) else {
                panic!("closed pauses only, yet paused");
            };
            assert_eq!(at.offset(), UtcOffset::UTC);
            assert_eq!(at.nanosecond(), 0, "sub-second noise for {start} {budget} {basis:?}");
            assert!(at >= start);
            assert_eq!(
                elapsed(start, at, basis, &pauses, &wt),
                budget,
                "start {start}, budget {budget}, {basis:?}, pauses {pauses:?}"
            );
            if budget.is_positive() {
                let just_before = at - Duration::SECOND;
                assert!(elapsed(start, just_before, basis, &pauses, &wt) < budget);
            }
            // Left open at some point, the clock reports what is left at that point.
            let stopped_at = start + Duration::seconds(rng.below(20 * 86_400));
            let mut open_pauses = pauses.clone();
            open_pauses.push(open(stopped_at));
            let spent = elapsed(start, stopped_at, basis, &pauses, &wt);
            assert_eq!(
                due(start, budget, basis, &open_pauses, &wt),
                Due::Paused {
                    remaining: (budget - spent).max(Duration::ZERO)
                }
            );
            checked += 1;
        }
        assert_eq!(checked, 600);
    }
}
