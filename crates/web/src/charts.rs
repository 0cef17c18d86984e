//! Charts drawn on the server as inline SVG: no script, no external assets, a few hundred bytes,
//! and readable on a 320 px phone because everything scales with the `viewBox`.
//!
//! Colours come from presentation attributes so that a chart copied out of the page still draws;
//! the stylesheet refines them (classes `chart-*` in app.css). The CSP forbids `style`
//! attributes, which is why none is used here.

use time::Date;

/// The drawing's own units; the page scales it to the width available.
const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 38.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 30.0;

/// Cumulative submissions by day against the number expected, with the deadline marked.
pub struct ProgressChart<'a> {
    /// Prefix for the ids that tie the `<title>` and `<desc>` to the drawing.
    pub id: &'a str,
    /// (day, reports received up to and including that day), in date order.
    pub points: &'a [(Date, i64)],
    pub expected: i64,
    /// The first and last day of the horizontal axis.
    pub start: Date,
    pub end: Date,
    pub deadline: Date,
    /// The line stops here when it falls inside the axis: the future is not drawn as flat.
    pub today: Date,
}

impl ProgressChart<'_> {
    fn x(&self, day: Date) -> f64 {
        let span = (self.end - self.start).whole_days().max(1) as f64;
        let offset = (day - self.start).whole_days().clamp(0, span as i64) as f64;
        LEFT + offset / span * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, n: i64, top: i64) -> f64 {
        let h = HEIGHT - TOP - BOTTOM;
        TOP + h - (n.max(0) as f64 / top.max(1) as f64) * h
    }

    /// The SVG element, ready to be placed in a page as it is.
    pub fn svg(&self) -> String {
        let received = self.points.last().map_or(0, |(_, n)| *n);
        let top = nice_top(self.expected.max(received).max(1));
        let step = tick_step(top);
        let mut out = String::with_capacity(2048);
        let title_id = format!("{}-tieu-de", self.id);
        let desc_id = format!("{}-mo-ta", self.id);
        let last_day = if self.today >= self.start && self.today <= self.end {
            self.today.max(self.points.last().map_or(self.start, |(d, _)| *d))
        } else {
            self.end
        };
        out.push_str(&format!(
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{title_id} {desc_id}\" \
             xmlns=\"http://www.w3.org/2000/svg\">"
        ));
        out.push_str(&format!(
            "<title id=\"{title_id}\">Tiến độ nộp báo cáo theo ngày</title><desc id=\"{desc_id}\">{}</desc>",
            escape(&self.description(received, last_day))
        ));
        // Horizontal grid with the counts on the left.
        let mut n = 0;
        while n <= top {
            let y = self.y(n, top);
            out.push_str(&format!(
                "<line class=\"chart-grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d9dee5\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"#5b6675\">{n}</text>",
                WIDTH - RIGHT,
                LEFT - 5.0,
                y + 4.0
            ));
            n += step;
        }
        // Dates along the bottom, dd/mm, five of them at most so they never overlap.
        let span = (self.end - self.start).whole_days().max(0);
        let ticks = span.clamp(1, 4);
        let mut previous = None;
        for k in 0..=ticks {
            let day = self.start + time::Duration::days(span * k / ticks);
            if previous == Some(day) {
                continue;
            }
            previous = Some(day);
            let anchor = match k {
                0 => "start",
                k if k == ticks => "end",
                _ => "middle",
            };
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-size=\"12\" fill=\"#5b6675\">{:02}/{:02}</text>",
                self.x(day),
                HEIGHT - 10.0,
                day.day(),
                u8::from(day.month())
            ));
        }
        // What is expected: a dashed line the progress should reach.
        if self.expected > 0 {
            let y = self.y(self.expected, top);
            out.push_str(&format!(
                "<line class=\"chart-expected\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#1c2430\" stroke-dasharray=\"5 4\"/>\
                 <text class=\"chart-label\" x=\"{LEFT}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1c2430\">Phải nộp: {}</text>",
                WIDTH - RIGHT,
                (y - 4.0).max(11.0),
                self.expected
            ));
        }
        // The deadline, when it falls on the axis.
        if self.deadline >= self.start && self.deadline <= self.end {
            let x = self.x(self.deadline);
            let anchor = if x > WIDTH / 2.0 { "end" } else { "start" };
            let label_x = if anchor == "end" { x - 3.0 } else { x + 3.0 };
            out.push_str(&format!(
                "<line class=\"chart-deadline\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"#b42318\" stroke-dasharray=\"3 3\"/>\
                 <text class=\"chart-deadline-label\" x=\"{label_x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-size=\"12\" fill=\"#b42318\">Hạn nộp {:02}/{:02}</text>",
                HEIGHT - BOTTOM,
                TOP - 5.0,
                self.deadline.day(),
                u8::from(self.deadline.month())
            ));
        }
        // The cumulative count as a step line: flat between submissions, up on the day they came.
        let mut path = format!("M{:.1} {:.1}", self.x(self.start), self.y(0, top));
        for (day, n) in self.points {
            path.push_str(&format!("H{:.1}V{:.1}", self.x(*day), self.y(*n, top)));
        }
        let end_x = self.x(last_day);
        path.push_str(&format!("H{end_x:.1}"));
        out.push_str(&format!(
            "<path class=\"chart-line\" d=\"{path}\" fill=\"none\" stroke=\"#0b6e4f\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>"
        ));
        let end_y = self.y(received, top);
        out.push_str(&format!(
            "<circle class=\"chart-point\" cx=\"{end_x:.1}\" cy=\"{end_y:.1}\" r=\"3.5\" fill=\"#0b6e4f\"/>\
             <text class=\"chart-value\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\" font-size=\"12\" font-weight=\"700\" fill=\"#08543c\">{received}</text>",
            if end_x > WIDTH - 40.0 { end_x - 6.0 } else { end_x + 6.0 },
            (end_y - 6.0).max(TOP + 10.0),
            if end_x > WIDTH - 40.0 { "end" } else { "start" },
        ));
        out.push_str(&format!(
            "<line class=\"chart-axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#5b6675\"/></svg>",
            WIDTH - RIGHT,
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM
        ));
        out
    }

    /// What a screen reader says instead of the drawing.
    fn description(&self, received: i64, last_day: Date) -> String {
        let d = lanhmang_domain::text::date_text;
        format!(
            "Số trường đã nộp báo cáo, cộng dồn theo ngày, từ {} đến {}: đến {} có {received} trên {} trường phải nộp. Hạn nộp {}.",
            d(self.start),
            d(self.end),
            d(last_day),
            self.expected,
            d(self.deadline)
        )
    }
}

/// The top of the vertical axis: the count rounded up to a multiple of its tick step.
/// A site's header score over its runs, oldest first, with the grade of the latest run.
pub struct ScoreChart<'a> {
    pub id: &'a str,
    /// (day, score, grade) per full inspection, oldest first.
    pub points: &'a [(Date, i64, String)],
}

impl ScoreChart<'_> {
    pub fn svg(&self) -> String {
        let mut out = String::with_capacity(2048);
        let (title_id, desc_id) = (format!("{}-tieu-de", self.id), format!("{}-mo-ta", self.id));
        let top = self.points.iter().map(|p| p.1).max().unwrap_or(100).max(100);
        let top = nice_top(top);
        let h = HEIGHT - TOP - BOTTOM;
        let y = |v: i64| TOP + h - (v.clamp(0, top) as f64 / top as f64) * h;
        let n = self.points.len();
        let x = |i: usize| {
            if n <= 1 {
                (LEFT + WIDTH - RIGHT) / 2.0
            } else {
                LEFT + i as f64 / (n - 1) as f64 * (WIDTH - LEFT - RIGHT)
            }
        };
        let desc = match (self.points.first(), self.points.last()) {
            (Some(first), Some(last)) => format!(
                "{n} lần kiểm tra từ {:02}/{:02}/{} đến {:02}/{:02}/{}; điểm gần nhất {} (hạng {}).",
                first.0.day(),
                u8::from(first.0.month()),
                first.0.year(),
                last.0.day(),
                u8::from(last.0.month()),
                last.0.year(),
                last.1,
                last.2
            ),
            _ => "Chưa có lần kiểm tra đầy đủ nào.".to_string(),
        };
        out.push_str(&format!(
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{title_id} {desc_id}\" \
             xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{title_id}\">Điểm tiêu đề bảo mật qua các lần kiểm tra</title>\
             <desc id=\"{desc_id}\">{}</desc>",
            escape(&desc)
        ));
        let step = tick_step(top);
        let mut v = 0;
        while v <= top {
            out.push_str(&format!(
                "<line class=\"chart-grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d9dee5\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"#5b6675\">{v}</text>",
                WIDTH - RIGHT,
                y(v),
                y(v),
                LEFT - 5.0,
                y(v) + 4.0
            ));
            v += step;
        }
        if let (Some(first), Some(last)) = (self.points.first(), self.points.last()) {
            for (i, (day, anchor)) in [(first.0, "start"), (last.0, "end")].into_iter().enumerate() {
                if n == 1 && i == 1 {
                    break;
                }
                let px = if i == 0 { x(0) } else { x(n - 1) };
                let anchor = if n == 1 { "middle" } else { anchor };
                out.push_str(&format!(
                    "<text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-size=\"12\" fill=\"#5b6675\">{:02}/{:02}</text>",
                    HEIGHT - 10.0,
                    day.day(),
                    u8::from(day.month())
                ));
            }
            let path: Vec<String> = self
                .points
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x(i), y(p.1)))
                .collect();
            out.push_str(&format!(
                "<path class=\"chart-line\" d=\"{}\" fill=\"none\" stroke=\"#0b6e4f\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
                path.join("")
            ));
            let (lx, ly) = (x(n - 1), y(last.1));
            out.push_str(&format!(
                "<circle class=\"chart-point\" cx=\"{lx:.1}\" cy=\"{ly:.1}\" r=\"3.5\" fill=\"#0b6e4f\"/>\
                 <text class=\"chart-value\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" font-weight=\"700\" fill=\"#08543c\">{} ({})</text>",
                lx,
                (ly - 8.0).max(12.0),
                last.1,
                escape(&last.2)
            ));
        }
        out.push_str("</svg>");
        out
    }
}

/// Sites per grade as horizontal bars, best grade first.
pub struct GradeBars<'a> {
    pub id: &'a str,
    pub counts: &'a [(String, i64)],
}

impl GradeBars<'_> {
    pub fn svg(&self) -> String {
        let rows = self.counts.len().max(1);
        let row_h = 22.0;
        let height = row_h * rows as f64 + 8.0;
        let max = self.counts.iter().map(|c| c.1).max().unwrap_or(1).max(1) as f64;
        let (title_id, desc_id) = (format!("{}-tieu-de", self.id), format!("{}-mo-ta", self.id));
        let desc = self
            .counts
            .iter()
            .map(|(g, n)| format!("{g}: {n}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut out = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"{title_id} {desc_id}\" \
             xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{title_id}\">Số website theo hạng tiêu đề bảo mật</title>\
             <desc id=\"{desc_id}\">{}</desc>",
            escape(if desc.is_empty() {
                "Chưa có website nào được chấm hạng."
            } else {
                &desc
            })
        );
        let bar_left = 78.0;
        let bar_max = WIDTH - bar_left - 50.0;
        for (i, (grade, n)) in self.counts.iter().enumerate() {
            let y = 4.0 + i as f64 * row_h;
            let w = (*n as f64 / max * bar_max).max(1.0);
            let fill = match grade.chars().next() {
                Some('A') => "#0b6e4f",
                Some('B') => "#3f8f4a",
                Some('C') => "#b7791f",
                Some('D') => "#c05621",
                _ => "#b42318",
            };
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1c2430\">{}</text>\
                 <rect x=\"{bar_left}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{fill}\" rx=\"2\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"#1c2430\">{n}</text>",
                bar_left - 6.0,
                y + 15.0,
                escape(grade),
                row_h - 6.0,
                bar_left + w + 6.0,
                y + 15.0
            ));
        }
        out.push_str("</svg>");
        out
    }
}

fn nice_top(max: i64) -> i64 {
    let step = tick_step(max);
    (max + step - 1) / step * step
}

/// A step of 1, 2 or 5 times a power of ten giving at most five intervals.
fn tick_step(max: i64) -> i64 {
    let mut magnitude = 1i64;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if max <= step * 5 {
                return step;
            }
        }
        magnitude = magnitude.saturating_mul(10);
        if magnitude >= i64::MAX / 10 {
            return magnitude;
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!((tick_step(1), nice_top(1)), (1, 1));
        assert_eq!((tick_step(5), nice_top(5)), (1, 5));
        assert_eq!((tick_step(23), nice_top(23)), (5, 25));
        assert_eq!((tick_step(24), nice_top(24)), (5, 25));
        assert_eq!((tick_step(101), nice_top(101)), (50, 150));
        assert_eq!((tick_step(45_000), nice_top(45_000)), (10_000, 50_000));
    }

    #[test]
    fn draws_an_accessible_scalable_chart() {
        let points = [
            (date!(2027 - 05 - 20), 3),
            (date!(2027 - 05 - 28), 20),
            (date!(2027 - 06 - 03), 23),
        ];
        let chart = ProgressChart {
            id: "tien-do",
            points: &points,
            expected: 24,
            start: date!(2026 - 09 - 05),
            end: date!(2027 - 06 - 03),
            deadline: date!(2027 - 06 - 01),
            today: date!(2027 - 11 - 01),
        };
        let svg = chart.svg();
        assert!(
            svg.starts_with("<svg class=\"chart\" viewBox=\"0 0 400 220\" role=\"img\""),
            "{svg}"
        );
        assert!(svg.contains("<title id=\"tien-do-tieu-de\">") && svg.contains("<desc id=\"tien-do-mo-ta\">"));
        assert!(svg.contains("đến 03/06/2027 có 23 trên 24 trường phải nộp"), "{svg}");
        assert!(
            svg.contains(">05/09<") && svg.contains(">03/06<"),
            "dd/mm labels: {svg}"
        );
        assert!(svg.contains("Hạn nộp 01/06") && svg.contains("Phải nộp: 24"));
        assert!(!svg.contains("style="), "the CSP forbids style attributes");
        assert!(svg.len() < 4096, "{}", svg.len());
    }

    #[test]
    fn empty_and_degenerate_charts_still_draw() {
        let day = date!(2026 - 11 - 28);
        let chart = ProgressChart {
            id: "c",
            points: &[],
            expected: 0,
            start: day,
            end: day,
            deadline: day,
            today: day,
        };
        let svg = chart.svg();
        assert!(svg.contains("có 0 trên 0 trường") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}
