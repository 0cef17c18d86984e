//! Lesson materials: the teacher's lesson plan (PDF and DOCX), slides for a projector, a quiz sheet
//! for classes without devices, and the certificate of a training.
//!
//! All of them are made to be photocopied in black and white or projected in a bright classroom:
//! black on white, bold headings, nothing that means something only by colour or shade. Every word
//! comes from the lesson or the certificate, or from the fixed labels below; the PDF templates
//! (`lesson.typ`, `slides.typ`, `quiz.typ`, `certificate.typ`) receive the prepared data as JSON,
//! as `official.typ` does, so user text is never read as Typst markup.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Footer, LineSpacing, LineSpacingType, NumPages, PageMargin, PageNum, Paragraph,
    SpecialIndentType, Table as DocxTable, TableRow, WidthType,
};
use lanhmang_domain::lesson::{self as domain, LessonBand, LessonContent};
use serde::Serialize;

use crate::ExportError;
use crate::document::{MOTTO, NATIONAL_TITLE, clean, upper};
use crate::docx::{
    MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, PAGE_HEIGHT, PAGE_WIDTH, Style, TEXT_WIDTH, cell, centred,
    fonts, rule, run, single, spacer,
};
use crate::pdf::{Template, render};

const OBJECTIVES: &str = "Mục tiêu";
const MATERIALS: &str = "Chuẩn bị";
const WARM_UP: &str = "1. Khởi động";
const SCENARIO: &str = "2. Tình huống";
const ACTIVITY: &str = "3. Hoạt động";
const DISCUSSION: &str = "4. Thảo luận";
const WRAP_UP: &str = "5. Tổng kết";
const QUIZ: &str = "Câu hỏi kiểm tra";
const ANSWERS: &str = "Đáp án và giải thích";
const PARENTS: &str = "Gửi cha mẹ";
const PAGE: &str = "Trang";

/// What a projected slide of running text may hold, in characters, before the rest goes to the
/// next slide: about eight lines of 30 pt type under a 44 pt title on a 13.33 × 7.5 in page, of
/// the eleven that fit, leaving room for the ends of paragraphs and the space between them.
const SLIDE_BUDGET: usize = 450;
/// Choices up to this long share a line, two by two, on the quiz sheet, to keep it to 1–2 pages.
const SHORT_CHOICE: usize = 30;

/// A training certificate. Every field is printed as given (cleaned of control characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The unit that trained and certifies, e.g. "Phòng Giáo dục và Đào tạo"; printed in capitals.
    pub unit_name: String,
    pub person_name: String,
    pub training_title: String,
    /// The place-and-date line, e.g. "An Bình, ngày 05 tháng 6 năm 2027".
    pub date_text: String,
    /// How long the training was, e.g. "8 giờ"; printed as "Thời lượng: 8 giờ".
    pub hours: Option<String>,
    /// The certificate's code, which the verification page asks for.
    pub code: String,
    pub verify_url: String,
}

/// A line of text led by a bold label: a step, a choice, an answer, a field.
#[derive(Debug, Serialize)]
struct Labelled {
    label: String,
    text: String,
}

fn labelled(label: impl Into<String>, text: impl Into<String>) -> Labelled {
    Labelled {
        label: label.into(),
        text: text.into(),
    }
}

/// "A", "B", … for the choices; past Z (never, a question has at most four) their number.
fn letter(index: usize) -> String {
    u8::try_from(index)
        .ok()
        .filter(|i| *i < 26)
        .map(|i| char::from(b'A' + i).to_string())
        .unwrap_or_else(|| (index + 1).to_string())
}

/// The cleaned lines of a list, empty ones dropped.
fn lines(items: &[String]) -> Vec<String> {
    items.iter().map(|s| clean(s)).filter(|s| !s.is_empty()).collect()
}

/// The cleaned paragraphs of a block (paragraphs separated by a blank line).
fn blocks(text: &str) -> Vec<String> {
    domain::paragraphs(text).map(clean).filter(|s| !s.is_empty()).collect()
}

fn choices(q: &domain::Question) -> Vec<Labelled> {
    q.choices
        .iter()
        .enumerate()
        .map(|(i, c)| labelled(format!("{}.", letter(i)), clean(c)))
        .collect()
}

/// The right choice's index, or an error: an answer key with a missing letter would mislead the
/// teacher, so the materials that show answers refuse to print one.
fn right_answer(number: usize, q: &domain::Question) -> Result<usize, ExportError> {
    if q.answer < q.choices.len() {
        Ok(q.answer)
    } else {
        Err(ExportError::Incomplete(format!(
            "câu {number} chưa có đáp án đúng trong các lựa chọn"
        )))
    }
}

pub(crate) fn required(value: &str, what: &str) -> Result<String, ExportError> {
    let value = clean(value);
    if value.is_empty() {
        Err(ExportError::Incomplete(format!("thiếu {what}")))
    } else {
        Ok(value)
    }
}

// ---------------------------------------------------------------------------------------------
// The lesson plan, shared by the PDF and the DOCX so both print exactly the same words.

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Body {
    Paragraphs {
        paragraphs: Vec<String>,
    },
    Bullets {
        items: Vec<String>,
    },
    Labelled {
        items: Vec<Labelled>,
    },
    Questions {
        questions: Vec<PlanQuestion>,
    },
    /// Paragraphs in a frame, which can be cut out and sent home.
    Boxed {
        paragraphs: Vec<String>,
    },
}

#[derive(Debug, Serialize)]
struct PlanQuestion {
    label: String,
    text: String,
    choices: Vec<Labelled>,
}

#[derive(Debug, Serialize)]
struct PlanSection {
    heading: &'static str,
    body: Body,
}

#[derive(Debug, Serialize)]
struct Plan {
    unit: Option<String>,
    title: String,
    info: Vec<Labelled>,
    sections: Vec<PlanSection>,
    page_label: &'static str,
}

impl Plan {
    fn new(lesson: &LessonContent, unit_name: Option<&str>) -> Result<Plan, ExportError> {
        let questions = lesson
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| PlanQuestion {
                label: format!("Câu {}.", i + 1),
                text: clean(&q.text),
                choices: choices(q),
            })
            .collect();
        let answers = lesson
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let right = right_answer(i + 1, q)?;
                Ok(labelled(
                    format!("Câu {}: {}", i + 1, letter(right)),
                    clean(&q.explanation),
                ))
            })
            .collect::<Result<Vec<_>, ExportError>>()?;
        let steps = lines(&lesson.activity)
            .into_iter()
            .enumerate()
            .map(|(i, s)| labelled(format!("Bước {}.", i + 1), s))
            .collect();
        let section = |heading, body| PlanSection { heading, body };
        Ok(Plan {
            unit: unit_name.map(upper).filter(|u| !u.is_empty()),
            title: clean(&lesson.title),
            info: info(lesson),
            sections: vec![
                section(
                    OBJECTIVES,
                    Body::Bullets {
                        items: lines(&lesson.objectives),
                    },
                ),
                section(
                    MATERIALS,
                    Body::Bullets {
                        items: lines(&lesson.materials),
                    },
                ),
                section(
                    WARM_UP,
                    Body::Paragraphs {
                        paragraphs: blocks(&lesson.warm_up),
                    },
                ),
                section(
                    SCENARIO,
                    Body::Paragraphs {
                        paragraphs: blocks(&lesson.scenario),
                    },
                ),
                section(ACTIVITY, Body::Labelled { items: steps }),
                section(
                    DISCUSSION,
                    Body::Bullets {
                        items: lines(&lesson.discussion),
                    },
                ),
                section(
                    WRAP_UP,
                    Body::Paragraphs {
                        paragraphs: blocks(&lesson.wrap_up),
                    },
                ),
                section(QUIZ, Body::Questions { questions }),
                section(ANSWERS, Body::Labelled { items: answers }),
                section(
                    PARENTS,
                    Body::Boxed {
                        paragraphs: blocks(&lesson.parent_note),
                    },
                ),
            ],
            page_label: PAGE,
        })
    }
}

/// Who, what, how long and which requirements of the plan, under the title.
fn info(lesson: &LessonContent) -> Vec<Labelled> {
    let mut info = vec![
        labelled("Đối tượng:", lesson.band.label()),
        labelled("Chủ đề:", lesson.topic.label()),
        labelled("Thời lượng:", format!("{} phút", lesson.minutes)),
    ];
    let requirements = lines(&lesson.requirements);
    if !requirements.is_empty() {
        info.push(labelled("Yêu cầu:", requirements.join(", ")));
    }
    info
}

/// The teacher's lesson plan as a PDF: A4 portrait, Liberation Serif 13 pt, page numbers in the
/// footer. Refused if a question's answer is not one of its choices.
pub fn lesson_pdf(lesson: &LessonContent, unit_name: Option<&str>) -> Result<Vec<u8>, ExportError> {
    render(Template::LessonPlan, &Plan::new(lesson, unit_name)?)
}

// The DOCX: the official documents' page (A4, Decree 30's margins) and Times New Roman 13 pt.
const BODY: usize = 26; // 13 pt, in half-points
const HEADING: usize = 28; // 14 pt
const TITLE: usize = 32; // 16 pt
/// Where the text of a labelled line starts: past "Bước 10." or "Câu 8: D" in 13 pt bold.
const LABEL_WIDTH: i32 = 1_134; // 2 cm
const CHOICE_INDENT: i32 = 1_134;
const CHOICE_LABEL: i32 = 454; // 8 mm

fn spacing(after: u32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(264)
        .before(0)
        .after(after)
}

fn paragraph(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .line_spacing(spacing(120))
        .add_run(run(text, BODY, Style::Regular))
}

/// A bold label, a tab, the text; wrapped lines start under the text (a hanging indent, whose
/// position Word and LibreOffice both treat as the tab stop).
fn hanging(label: &str, text: &str, left: i32, width: i32) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Left)
        .indent(Some(left + width), Some(SpecialIndentType::Hanging(width)), None, None)
        .line_spacing(spacing(80))
        .add_run(run(label, BODY, Style::Bold).add_tab())
        .add_run(run(text, BODY, Style::Regular))
}

/// Bold, kept with what follows, and at outline level 1 so that Word's navigation pane lists it.
fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .keep_next(true)
        .outline_lvl(0)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(240)
                .before(240)
                .after(120),
        )
        .add_run(run(text, HEADING, Style::Bold))
}

/// The lesson plan as an editable DOCX with the same words as [`lesson_pdf`].
pub fn lesson_docx(lesson: &LessonContent, unit_name: Option<&str>) -> Result<Vec<u8>, ExportError> {
    let plan = Plan::new(lesson, unit_name)?;
    let page_number = Paragraph::new()
        .align(AlignmentType::Center)
        .add_run(run(&format!("{PAGE} "), BODY, Style::Regular))
        .add_page_num(PageNum::new())
        .add_run(run("/", BODY, Style::Regular))
        .add_num_pages(NumPages::new());
    let mut out = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(PageMargin {
            top: MARGIN_TOP,
            left: MARGIN_LEFT,
            bottom: MARGIN_BOTTOM,
            right: MARGIN_RIGHT,
            header: 567,
            footer: 567,
            gutter: 0,
        })
        .default_fonts(fonts())
        .default_size(BODY)
        .footer(Footer::new().add_paragraph(page_number));
    if let Some(unit) = &plan.unit {
        out = out
            .add_paragraph(centred(unit, BODY, Style::Bold))
            .add_paragraph(spacer(BODY));
    }
    out = out.add_paragraph(centred(&plan.title, TITLE, Style::Bold));
    let mut info = Paragraph::new().align(AlignmentType::Center).line_spacing(single());
    for (i, item) in plan.info.iter().enumerate() {
        if i > 0 {
            info = info.add_run(run(" · ", BODY, Style::Regular));
        }
        info = info
            .add_run(run(&format!("{} ", item.label), BODY, Style::Bold))
            .add_run(run(&item.text, BODY, Style::Regular));
    }
    out = out.add_paragraph(spacer(12)).add_paragraph(info).add_paragraph(rule(
        TEXT_WIDTH,
        TEXT_WIDTH as f64 / 20.0,
        1.0,
    ));

    for section in &plan.sections {
        out = out.add_paragraph(heading(section.heading));
        match &section.body {
            Body::Paragraphs { paragraphs } => {
                for p in paragraphs {
                    out = out.add_paragraph(paragraph(p));
                }
            }
            Body::Bullets { items } => {
                for item in items {
                    out = out.add_paragraph(hanging("–", item, 0, 340));
                }
            }
            Body::Labelled { items } => {
                for item in items {
                    out = out.add_paragraph(hanging(&item.label, &item.text, 0, LABEL_WIDTH));
                }
            }
            Body::Questions { questions } => {
                for q in questions {
                    // A question stays on the page of its choices.
                    out = out.add_paragraph(hanging(&q.label, &q.text, 0, LABEL_WIDTH).keep_next(true));
                    let last = q.choices.len().saturating_sub(1);
                    for (i, c) in q.choices.iter().enumerate() {
                        out = out
                            .add_paragraph(hanging(&c.label, &c.text, CHOICE_INDENT, CHOICE_LABEL).keep_next(i < last));
                    }
                }
            }
            Body::Boxed { paragraphs } => {
                let frame = cell(paragraphs.iter().map(|p| paragraph(p)).collect(), TEXT_WIDTH);
                out = out.add_table(
                    DocxTable::new(vec![TableRow::new(vec![frame])])
                        .set_grid(vec![TEXT_WIDTH])
                        .width(TEXT_WIDTH, WidthType::Dxa),
                );
            }
        }
    }

    let mut bytes = Cursor::new(Vec::new());
    out.build()
        .pack(&mut bytes)
        .map_err(|e| ExportError::Docx(e.to_string()))?;
    Ok(bytes.into_inner())
}

// ---------------------------------------------------------------------------------------------
// Slides.

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Slide {
    Title {
        title: String,
        lines: Vec<String>,
    },
    Text {
        title: String,
        paragraphs: Vec<String>,
    },
    Bullets {
        title: String,
        items: Vec<String>,
    },
    Question {
        title: String,
        text: String,
        choices: Vec<Labelled>,
    },
    Answer {
        title: String,
        answer: Labelled,
        explanation: String,
    },
}

#[derive(Debug, Serialize)]
struct Deck {
    title: String,
    slides: Vec<Slide>,
}

/// "Tình huống" on one slide, "Tình huống (1/3)" … when the text takes several.
fn numbered(title: &str, index: usize, count: usize) -> String {
    if count > 1 {
        format!("{title} ({}/{count})", index + 1)
    } else {
        title.to_string()
    }
}

/// Splits a text that is too long for one slide into its sentences, then packs them.
fn sentences(paragraph: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut previous = ' ';
    for (i, c) in paragraph.char_indices() {
        if c == ' ' && matches!(previous, '.' | '?' | '!' | '…' | ';') {
            out.push(paragraph[start..i].to_string());
            start = i + 1;
        }
        previous = c;
    }
    out.push(paragraph[start..].to_string());
    out.retain(|s| !s.is_empty());
    out
}

/// The paragraphs grouped into slides of at most `budget` characters, paragraph by paragraph; a
/// paragraph longer than a slide is cut between sentences. A single sentence longer than a slide
/// stays whole: Typst then continues it on the next page rather than cut a word.
fn pack(paragraphs: Vec<String>, budget: usize) -> Vec<Vec<String>> {
    let mut slides = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut used = 0;
    for paragraph in paragraphs {
        let pieces = if paragraph.chars().count() <= budget {
            vec![paragraph]
        } else {
            sentences(&paragraph)
        };
        for (i, piece) in pieces.into_iter().enumerate() {
            let len = piece.chars().count();
            if !current.is_empty() && used + len > budget {
                slides.push(std::mem::take(&mut current));
                used = 0;
            }
            match current.last_mut() {
                // The sentences of one paragraph stay one paragraph on the slide they share.
                Some(last) if i > 0 => {
                    last.push(' ');
                    last.push_str(&piece);
                }
                _ => current.push(piece),
            }
            used += len;
        }
    }
    if !current.is_empty() {
        slides.push(current);
    }
    slides
}

fn text_slides(title: &str, paragraphs: Vec<String>) -> Vec<Slide> {
    let groups = pack(paragraphs, SLIDE_BUDGET);
    let count = groups.len();
    groups
        .into_iter()
        .enumerate()
        .map(|(i, paragraphs)| Slide::Text {
            title: numbered(title, i, count),
            paragraphs,
        })
        .collect()
}

fn bullet_slides(title: &str, items: Vec<String>) -> Vec<Slide> {
    let groups = pack(items, SLIDE_BUDGET);
    let count = groups.len();
    groups
        .into_iter()
        .enumerate()
        .map(|(i, items)| Slide::Bullets {
            title: numbered(title, i, count),
            items,
        })
        .collect()
}

impl Deck {
    fn new(lesson: &LessonContent) -> Result<Deck, ExportError> {
        let title = clean(&lesson.title);
        let mut slides = vec![Slide::Title {
            title: title.clone(),
            lines: vec![
                format!("{} · {} phút", lesson.band.label(), lesson.minutes),
                lesson.topic.label().to_string(),
            ],
        }];
        slides.extend(bullet_slides("Mục tiêu", lines(&lesson.objectives)));
        slides.extend(text_slides("Khởi động", blocks(&lesson.warm_up)));
        slides.extend(text_slides("Tình huống", blocks(&lesson.scenario)));
        let discussion = lines(&lesson.discussion);
        let count = discussion.len();
        slides.extend(discussion.into_iter().enumerate().map(|(i, q)| Slide::Text {
            title: numbered("Thảo luận", i, count),
            paragraphs: vec![q],
        }));
        let total = lesson.questions.len();
        for (i, q) in lesson.questions.iter().enumerate() {
            slides.push(Slide::Question {
                title: format!("Câu hỏi {}/{total}", i + 1),
                text: clean(&q.text),
                choices: choices(q),
            });
        }
        for (i, q) in lesson.questions.iter().enumerate() {
            let right = right_answer(i + 1, q)?;
            let choice = q.choices.get(right).map(|c| clean(c)).unwrap_or_default();
            slides.push(Slide::Answer {
                title: format!("Đáp án câu {}", i + 1),
                answer: labelled(format!("{}.", letter(right)), choice),
                explanation: clean(&q.explanation),
            });
        }
        slides.extend(text_slides("Tổng kết", blocks(&lesson.wrap_up)));
        Ok(Deck { title, slides })
    }
}

/// Slides for a projector, 16:9: the lesson's title, objectives, warm-up, scenario, one slide per
/// discussion question and per quiz question (without the answer), then one slide per answer,
/// and the wrap-up. Black on white, body 30 pt, titles 44 pt.
pub fn lesson_slides_pdf(lesson: &LessonContent) -> Result<Vec<u8>, ExportError> {
    render(Template::Slides, &Deck::new(lesson)?)
}

// ---------------------------------------------------------------------------------------------
// The quiz sheet.

#[derive(Debug, Serialize)]
struct SheetQuestion {
    label: String,
    text: String,
    /// 1, or 2 when every choice is short.
    columns: usize,
    choices: Vec<Labelled>,
}

#[derive(Debug, Serialize)]
struct Sheet {
    title: String,
    class_label: &'static str,
    class_name: String,
    instruction: &'static str,
    /// The body size in points: larger for primary pupils.
    size: u32,
    questions: Vec<SheetQuestion>,
}

/// A printable quiz sheet for a class without devices: the questions with a box to tick before
/// each choice, and no answers. An empty class name leaves a dotted line to write it on.
pub fn quiz_sheet_pdf(lesson: &LessonContent, class_name: &str) -> Result<Vec<u8>, ExportError> {
    let class_name = clean(class_name);
    let questions = lesson
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let choices = choices(q);
            let short = choices.iter().all(|c| c.text.chars().count() <= SHORT_CHOICE);
            SheetQuestion {
                label: format!("Câu {}.", i + 1),
                text: clean(&q.text),
                columns: if short && choices.len() > 1 { 2 } else { 1 },
                choices,
            }
        })
        .collect();
    let sheet = Sheet {
        title: clean(&lesson.title),
        class_label: "Lớp:",
        class_name: if class_name.is_empty() {
            "……………………".to_string()
        } else {
            class_name
        },
        instruction: "Đánh dấu X vào ô trước lựa chọn đúng. Mỗi câu chỉ chọn một ô.",
        size: match lesson.band {
            LessonBand::Grades1To2 | LessonBand::Grades3To5 => 13,
            _ => 12,
        },
        questions,
    };
    render(Template::QuizSheet, &sheet)
}

// ---------------------------------------------------------------------------------------------
// The certificate.

#[derive(Debug, Serialize)]
struct PreparedCertificate {
    unit: String,
    national_title: &'static str,
    motto: &'static str,
    heading: &'static str,
    intro: &'static str,
    person: String,
    attended: &'static str,
    training: String,
    hours: Option<String>,
    date: String,
    verify_label: &'static str,
    verify_url: String,
    /// Whether the address is a web address, made a link in the PDF.
    verify_link: bool,
    code_label: &'static str,
    code: String,
}

/// A training certificate, A4 landscape, with the address and the code to verify it at the
/// bottom. Refused if a field other than the hours is empty.
pub fn certificate_pdf(c: &Certificate) -> Result<Vec<u8>, ExportError> {
    let verify_url = required(&c.verify_url, "địa chỉ kiểm tra giấy chứng nhận")?;
    let prepared = PreparedCertificate {
        unit: upper(&required(&c.unit_name, "tên đơn vị cấp giấy chứng nhận")?),
        national_title: NATIONAL_TITLE,
        motto: MOTTO,
        heading: "GIẤY CHỨNG NHẬN",
        intro: "Chứng nhận ông/bà",
        person: required(&c.person_name, "họ và tên người được chứng nhận")?,
        attended: "Đã tham gia tập huấn",
        training: required(&c.training_title, "tên lớp tập huấn")?,
        hours: c
            .hours
            .as_deref()
            .map(clean)
            .filter(|h| !h.is_empty())
            .map(|h| format!("Thời lượng: {h}")),
        date: required(&c.date_text, "ngày cấp")?,
        verify_label: "Kiểm tra giấy chứng nhận tại:",
        verify_link: verify_url.starts_with("https://") || verify_url.starts_with("http://"),
        verify_url,
        code_label: "Mã số:",
        code: required(&c.code, "mã số giấy chứng nhận")?,
    };
    render(Template::Certificate, &prepared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lanhmang_domain::lesson::{LessonTopic, Question};
    use std::io::Read;

    const EXPLANATION: &str = "Mật khẩu chỉ mình em và cha mẹ được biết.";
    const QUESTION: &str = "Bạn cùng lớp hỏi mật khẩu tài khoản học tập của em. Em làm gì?";

    fn lesson() -> LessonContent {
        let scenario_paragraph = "Giờ ra chơi, Lan mượn điện thoại của Minh để xem bài hát mới. Lan thấy Minh \
                                  để mật khẩu là ngày sinh của mình và kể cho cả nhóm nghe. Tối hôm đó, có người \
                                  đăng nhập vào tài khoản học tập của Minh và đổi ảnh đại diện.";
        let mut questions = vec![Question {
            text: QUESTION.into(),
            choices: vec![
                "Đọc cho bạn nghe".into(),
                "Không nói, và nhờ cô giáo nếu bạn cứ hỏi".into(),
                "Viết ra giấy đưa bạn".into(),
            ],
            answer: 1,
            explanation: EXPLANATION.into(),
        }];
        questions.extend((2..=6).map(|n| Question {
            text: format!("Câu hỏi số {n} về mật khẩu: điều nào đúng nhất khi dùng mạng ở trường và ở nhà?"),
            choices: vec![
                format!("Lựa chọn thứ nhất của câu {n}, viết dài để phải xuống dòng trên tờ giấy in"),
                format!("Lựa chọn thứ hai của câu {n}"),
                format!("Lựa chọn thứ ba của câu {n}"),
                format!("Lựa chọn thứ tư của câu {n}"),
            ],
            answer: n % 4,
            explanation: format!("Giải thích cho câu {n}."),
        }));
        let lesson = LessonContent {
            title: "Mật khẩu là bí mật của em".into(),
            topic: LessonTopic::PasswordsPrivacy,
            band: LessonBand::Grades3To5,
            minutes: 35,
            requirements: vec!["S2.1".into(), "S2.2".into()],
            objectives: vec![
                "Biết vì sao không cho ai biết mật khẩu.".into(),
                "Đặt được một mật khẩu khó đoán.".into(),
            ],
            materials: vec!["Phiếu câu hỏi".into(), "Bảng phụ".into()],
            warm_up: "Cả lớp chơi trò “Đoán xem”: cô giáo nghĩ một con vật, các em hỏi để đoán.".into(),
            scenario: [scenario_paragraph; 4].join("\n\n"),
            activity: vec![
                "Đọc tình huống cho cả lớp nghe.".into(),
                "Chia nhóm bốn em, mỗi nhóm trả lời một câu hỏi.".into(),
                "Các nhóm trình bày, cô giáo tổng kết.".into(),
            ],
            discussion: vec!["Minh nên làm gì?".into(), "Lan đã làm đúng chưa? Vì sao?".into()],
            wrap_up: "Mật khẩu giống như chìa khóa nhà: không đưa cho người khác.".into(),
            questions,
            parent_note:
                "Kính gửi cha mẹ học sinh: hôm nay các em học về mật khẩu.\n\nXin cha mẹ cùng con đặt lại mật khẩu."
                    .into(),
        };
        assert!(lesson.problems().is_empty(), "{:?}", lesson.problems());
        lesson
    }

    fn certificate() -> Certificate {
        Certificate {
            unit_name: "Phòng Giáo dục và Đào tạo".into(),
            person_name: "Nguyễn Thị Hoa".into(),
            training_title: "Hướng dẫn học sinh dùng mạng an toàn, lành mạnh".into(),
            date_text: "An Bình, ngày 05 tháng 6 năm 2027".into(),
            hours: Some("8 giờ".into()),
            code: "GCN-2027-0042".into(),
            verify_url: "https://lanhmang.example.vn/chung-nhan".into(),
        }
    }

    /// The PDF's text with layout white space made single spaces; and its page sizes in points.
    fn pdf(bytes: &[u8]) -> (String, Vec<String>, Vec<(f64, f64)>) {
        assert!(bytes.starts_with(b"%PDF-"));
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        let pages: Vec<String> = pdf_extract::extract_text_from_mem_by_pages(bytes)
            .unwrap()
            .iter()
            .map(|p| words(p))
            .collect();
        let doc = pdf_extract::Document::load_mem(bytes).unwrap();
        let number = |o: &pdf_extract::Object| o.as_float().map(f64::from).or_else(|_| o.as_i64().map(|i| i as f64));
        let sizes = doc
            .get_pages()
            .values()
            .map(|page| {
                let media_box = doc.get_dictionary(*page).unwrap().get(b"MediaBox").unwrap();
                let v: Vec<f64> = media_box
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| number(o).unwrap())
                    .collect();
                (v[2] - v[0], v[3] - v[1])
            })
            .collect();
        (pages.join(" "), pages, sizes)
    }

    fn a4_portrait(sizes: &[(f64, f64)]) -> bool {
        sizes
            .iter()
            .all(|(w, h)| (w - 595.28).abs() < 0.5 && (h - 841.89).abs() < 0.5)
    }

    fn document_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }

    #[test]
    fn the_lesson_plan_has_every_section_with_answers_and_numbered_pages() {
        let lesson = lesson();
        let (text, pages, sizes) = pdf(&lesson_pdf(&lesson, Some("Trường Tiểu học An Bình")).unwrap());
        assert!(a4_portrait(&sizes), "{sizes:?}");
        for piece in [
            "TRƯỜNG TIỂU HỌC AN BÌNH",
            "Mật khẩu là bí mật của em",
            "Đối tượng: Lớp 3–5",
            "Chủ đề: Mật khẩu và thông tin cá nhân",
            "Thời lượng: 35 phút",
            "Yêu cầu: S2.1, S2.2",
            OBJECTIVES,
            MATERIALS,
            WARM_UP,
            SCENARIO,
            ACTIVITY,
            "Bước 3.",
            DISCUSSION,
            WRAP_UP,
            QUIZ,
            QUESTION,
            "B. Không nói, và nhờ cô giáo nếu bạn cứ hỏi",
            ANSWERS,
            "Câu 1: B",
            EXPLANATION,
            "Câu 6: C",
            PARENTS,
            "Xin cha mẹ cùng con đặt lại mật khẩu.",
        ] {
            assert!(text.contains(piece), "missing {piece:?} in {text}");
        }
        assert!(pages.len() >= 2);
        let count = pages.len();
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Trang {}/{count}", i + 1)), "page {i}: {page}");
        }
        let (text, _, _) = pdf(&lesson_pdf(&lesson, None).unwrap());
        assert!(!text.contains("AN BÌNH"));
    }

    #[test]
    fn the_docx_holds_the_same_words() {
        let bytes = lesson_docx(&lesson(), Some("Trường Tiểu học An Bình")).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let xml = document_xml(&bytes);
        for piece in [
            "TRƯỜNG TIỂU HỌC AN BÌNH",
            "Mật khẩu là bí mật của em",
            OBJECTIVES,
            ANSWERS,
            QUESTION,
            "Câu 1: B",
            EXPLANATION,
            PARENTS,
            "Times New Roman",
        ] {
            assert!(xml.contains(piece), "missing {piece:?}");
        }
        assert!(xml.contains(r#"w:w="11906""#) && xml.contains(r#"w:h="16838""#), "A4");
        roxmltree::Document::parse(&xml).expect("well-formed XML");
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let mut footer = String::new();
        zip.by_name("word/footer1.xml")
            .unwrap()
            .read_to_string(&mut footer)
            .unwrap();
        assert!(
            footer.contains("Trang") && footer.contains("PAGE") && footer.contains("NUMPAGES"),
            "page numbers: {footer}"
        );
    }

    #[test]
    fn slides_are_wide_with_one_question_per_slide_and_answers_after() {
        let lesson = lesson();
        let (text, pages, sizes) = pdf(&lesson_slides_pdf(&lesson).unwrap());
        for (w, h) in &sizes {
            assert!((w / h - 16.0 / 9.0).abs() < 0.01, "{w}×{h}");
        }
        assert!(pages.len() > lesson.questions.len());
        // Title, objectives, warm-up, scenario (four paragraphs of 210 characters: two slides),
        // two discussion questions, 6 + 6 quiz slides, wrap-up; and no slide ran over its page.
        assert_eq!(pages.len(), 1 + 1 + 1 + 2 + 2 + 12 + 1, "{} slides", pages.len());
        assert_eq!(pages.len(), Deck::new(&lesson).unwrap().slides.len());
        assert!(text.contains("Mật khẩu là bí mật của em"));
        assert!(text.contains("Tình huống (1/2)") && text.contains("Tình huống (2/2)"));
        let question = pages.iter().position(|p| p.contains(QUESTION)).unwrap();
        assert!(
            !pages[question].contains(EXPLANATION),
            "the question slide gives no answer"
        );
        assert!(pages[question].contains("C. Viết ra giấy đưa bạn"));
        let answer = pages.iter().position(|p| p.contains(EXPLANATION)).unwrap();
        assert!(
            answer > question + lesson.questions.len() - 1,
            "answers come after every question"
        );
        assert!(pages[answer].contains("B. Không nói"));
        assert!(pages.last().unwrap().contains("Tổng kết"));
    }

    #[test]
    fn the_quiz_sheet_has_no_answers_and_fits_two_pages() {
        let lesson = lesson();
        let (text, pages, sizes) = pdf(&quiz_sheet_pdf(&lesson, "5A").unwrap());
        assert!(a4_portrait(&sizes));
        assert!(pages.len() <= 2, "{} pages", pages.len());
        assert!(text.contains("Mật khẩu là bí mật của em"));
        assert!(text.contains("Lớp: 5A"));
        assert!(text.contains(QUESTION));
        assert!(text.contains("D. Lựa chọn thứ tư của câu 6"));
        assert!(!text.contains(EXPLANATION), "{text}");
        assert!(!text.contains("Giải thích"));
        assert!(!text.contains("Đáp án"));
        let (text, _, _) = pdf(&quiz_sheet_pdf(&lesson, " ").unwrap());
        assert!(text.contains("Lớp: ……"));
    }

    #[test]
    fn the_certificate_is_landscape_with_its_code_and_address() {
        let (text, pages, sizes) = pdf(&certificate_pdf(&certificate()).unwrap());
        assert_eq!(pages.len(), 1, "{text}");
        let (w, h) = sizes[0];
        assert!((w - 841.89).abs() < 0.5 && (h - 595.28).abs() < 0.5, "{w}×{h}");
        for piece in [
            "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
            "GIẤY CHỨNG NHẬN",
            "Nguyễn Thị Hoa",
            "Đã tham gia tập huấn",
            "Hướng dẫn học sinh dùng mạng an toàn, lành mạnh",
            "Thời lượng: 8 giờ",
            "An Bình, ngày 05 tháng 6 năm 2027",
            "Kiểm tra giấy chứng nhận tại: https://lanhmang.example.vn/chung-nhan",
            "GCN-2027-0042",
        ] {
            assert!(text.contains(piece), "missing {piece:?} in {text}");
        }
        let mut c = certificate();
        c.hours = None;
        assert!(!pdf(&certificate_pdf(&c).unwrap()).0.contains("Thời lượng"));
        c.person_name = " \u{7} ".into();
        assert!(matches!(certificate_pdf(&c), Err(ExportError::Incomplete(_))));
    }

    #[test]
    fn typst_special_characters_are_printed_literally() {
        let hostile = r#"Bài #1 $x^2$ *đậm* _nghiêng_ @ref <nhan> [a] \ #read("/etc/passwd") ]]"#;
        let mut lesson = lesson();
        lesson.title = hostile.into();
        lesson.questions[0].text = format!("{hostile} ?");
        let outputs = [
            lesson_pdf(&lesson, Some(hostile)).unwrap(),
            lesson_slides_pdf(&lesson).unwrap(),
            quiz_sheet_pdf(&lesson, hostile).unwrap(),
        ];
        // Long lines wrap where Typst sees fit (after a "/", say): compare without white space.
        let squeezed = |t: &str| t.split_whitespace().collect::<String>();
        for bytes in &outputs {
            let (text, _, _) = pdf(bytes);
            assert!(
                squeezed(&text).contains(&squeezed(hostile)),
                "missing {hostile:?} in {text}"
            );
            assert!(!text.contains("root:"), "a file was read");
        }
        let mut c = certificate();
        c.person_name = hostile.into();
        c.training_title = hostile.into();
        c.code = "#1_$*".into();
        c.verify_url = "https://x.vn/#a_$b*[c]".into();
        let (text, _, _) = pdf(&certificate_pdf(&c).unwrap());
        for piece in [hostile, "#1_$*", "https://x.vn/#a_$b*[c]"] {
            assert!(
                squeezed(&text).contains(&squeezed(piece)),
                "missing {piece:?} in {text}"
            );
        }
        let xml = document_xml(&lesson_docx(&lesson, None).unwrap());
        assert!(
            xml.contains(r#"Bài #1 $x^2$ *đậm* _nghiêng_ @ref &lt;nhan&gt; [a] \"#),
            "{xml}"
        );
    }

    #[test]
    fn an_answer_outside_the_choices_is_refused_where_answers_are_shown() {
        let mut lesson = lesson();
        lesson.questions[2].answer = 9;
        assert!(matches!(lesson_pdf(&lesson, None), Err(ExportError::Incomplete(m)) if m.contains("câu 3")));
        assert!(lesson_docx(&lesson, None).is_err());
        assert!(lesson_slides_pdf(&lesson).is_err());
        // The quiz sheet shows no answer, so it can still be printed.
        assert!(quiz_sheet_pdf(&lesson, "5A").is_ok());
    }

    #[test]
    fn long_text_is_packed_paragraph_by_paragraph_and_cut_between_sentences() {
        let short = "Một đoạn ngắn.".to_string();
        let long = "Câu thứ nhất khá dài. ".repeat(30).trim().to_string();
        let slides = pack(vec![short.clone(), short.clone(), long.clone()], 100);
        assert!(slides.len() > 3);
        for slide in &slides {
            assert!(
                slide.iter().map(|p| p.chars().count()).sum::<usize>() <= 100,
                "{slide:?}"
            );
        }
        let pieces: Vec<String> = slides.into_iter().flatten().collect();
        assert_eq!(pieces[..2], [short.clone(), short]);
        assert_eq!(pieces[2..].join(" "), long, "nothing is lost or reordered");
        assert_eq!(letter(0), "A");
        assert_eq!(letter(3), "D");
    }
}
