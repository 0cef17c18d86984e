//! Official documents: the office's aggregated report and each school's report as DOCX and
//! PDF, every indicator per school as XLSX. Documents are laid out off the async threads.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use lanhmang_domain::document_number::{DocumentKind, DocumentNumber};
use lanhmang_domain::plan::IndicatorDef;
use lanhmang_domain::plan_template::{Aggregation, IndicatorKind};
use lanhmang_domain::report::{IndicatorValue, ReportStatus, Value, format_number, indicator_source, vietnam_date};
use lanhmang_domain::text::fold_vi;
use lanhmang_domain::{Action, Role};
use lanhmang_export::{Cell, Column, ColumnKind, Letterhead, OfficialDocument, Section, Sheet, Signature, Table};
use lanhmang_store::Unit;
use lanhmang_store::plans::Plan;
use lanhmang_store::reports::{Report, ReportFilter, ReportListEntry};
use serde::Deserialize;

use super::parse_id;
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use lanhmang_app::dashboard::LevelFigure;

use super::dashboard::{aggregate_text, all_entries, dashboard_plan, how, ordered_levels, percent};
use super::outbox::excerpt;

// ---------------------------------------------------------------------------------------------
// Official documents.

#[derive(Deserialize, Default)]
pub struct DocumentQuery {
    /// The number and symbol, e.g. "15/BC-VHXH"; blank leaves the form's gap.
    so: Option<String>,
    /// The place name of the date line.
    noi: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Pdf => "application/pdf",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }
}

/// A document format as a type, so that one handler serves both addresses of a document
/// (`office::<Docx>`, `office::<Pdf>`).
pub trait AsFormat {
    const FORMAT: Format;
}

pub struct Docx;

pub struct Pdf;

impl AsFormat for Docx {
    const FORMAT: Format = Format::Docx;
}

impl AsFormat for Pdf {
    const FORMAT: Format = Format::Pdf;
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Laying out a PDF keeps a CPU busy for a while; two at a time keep a burst of downloads from
/// starving every other request on a small server.
static LAYOUT_PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

async fn render_document(doc: OfficialDocument, format: Format) -> Result<Vec<u8>, AppError> {
    lay_out(move || match format {
        Format::Docx => lanhmang_export::docx(&doc),
        Format::Pdf => lanhmang_export::pdf(&doc),
    })
    .await
}

/// Runs an export off the async threads, at most two at a time (`LAYOUT_PERMITS`).
pub(crate) async fn lay_out<F>(export: F) -> Result<Vec<u8>, AppError>
where
    F: FnOnce() -> Result<Vec<u8>, lanhmang_export::ExportError> + Send + 'static,
{
    let _permit = LAYOUT_PERMITS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(export)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// RFC 5987 encoding for `filename*`.
fn rfc5987(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The file as a download: an ASCII name for old clients, the Vietnamese one for the rest.
pub(crate) fn attachment(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Result<Response, AppError> {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_.–".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut ascii = String::with_capacity(name.len());
    for c in fold_vi(&name).chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            c
        } else {
            '-'
        };
        if !(c == '-' && ascii.ends_with('-')) {
            ascii.push(c);
        }
    }
    let value = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", rfc5987(&name));
    let disposition = HeaderValue::from_str(&value).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The number line: a number of kind BC as typed, or the blank form's gap.
fn report_number(raw: Option<&str>, issuer_symbol: Option<&str>) -> Result<String, AppError> {
    document_number(raw, issuer_symbol, DocumentKind::Report, "báo cáo")
}

/// A document number of the given kind as typed, or the form's gap when blank.
fn document_number(
    raw: Option<&str>,
    issuer_symbol: Option<&str>,
    kind: DocumentKind,
    what: &str,
) -> Result<String, AppError> {
    let abbreviation = kind.abbreviation();
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(format!("……/{abbreviation}-{}", issuer_symbol.unwrap_or("……")));
    };
    let shown: String = raw.chars().filter(|c| !c.is_control()).take(40).collect();
    let number = DocumentNumber::parse(raw).map_err(|e| {
        AppError::BadRequest(format!(
            "Số văn bản «{shown}» không hợp lệ: {e} Với {what}, hãy ghi theo mẫu 15/{abbreviation}-VHXH \
             (số thứ tự, ký hiệu {abbreviation}, chữ viết tắt tên đơn vị)."
        ))
    })?;
    if number.kind != kind {
        return Err(AppError::BadRequest(format!(
            "Số văn bản «{shown}» mang ký hiệu {}, nhưng đây là {what}: ký hiệu phải là {abbreviation}, ví dụ 15/{abbreviation}-{}.",
            number.kind.abbreviation(),
            number.issuer
        )));
    }
    Ok(number.format())
}

/// The place of the date line, as given, or guessed from the address.
fn place(raw: Option<&str>, address: &str) -> Result<String, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) if p.chars().count() > 60 || p.chars().any(char::is_control) => Err(AppError::BadRequest(
            "Địa danh ghi ở dòng ngày tháng dài tối đa 60 ký tự, trên một dòng.".into(),
        )),
        Some(p) => Ok(p.to_string()),
        None => Ok(place_from_address(address).unwrap_or_else(|| "……".into())),
    }
}

/// The most local administrative name in an address: "Trụ sở UBND phường An Bình" gives
/// "An Bình", "Số 1 đường Lê Lợi, thành phố Sông Hồng" gives "Sông Hồng".
fn place_from_address(address: &str) -> Option<String> {
    let words: Vec<&str> = address.split_whitespace().collect();
    let folded: Vec<String> = words
        .iter()
        .map(|w| fold_vi(w.trim_end_matches([',', ';', '.'])))
        .collect();
    // Smaller units first: the date line names where the office sits.
    let keywords: [&[&str]; 9] = [
        &["phuong"],
        &["xa"],
        &["thi", "tran"],
        &["dac", "khu"],
        &["quan"],
        &["huyen"],
        &["thi", "xa"],
        &["thanh", "pho"],
        &["tinh"],
    ];
    for keyword in keywords {
        let found = (0..words.len()).find(|&i| {
            keyword.iter().enumerate().all(|(k, w)| folded.get(i + k).is_some_and(|f| f == w))
                // "xã" inside "thị xã" is not a commune.
                && !(keyword == ["xa"] && i > 0 && folded[i - 1] == "thi")
        });
        let Some(i) = found else { continue };
        let mut name = Vec::new();
        for w in &words[i + keyword.len()..] {
            let stop = w.ends_with([',', ';', '.']);
            let w = w.trim_end_matches([',', ';', '.']);
            if w == "-" || w.is_empty() {
                break;
            }
            name.push(w);
            if stop {
                break;
            }
        }
        if !name.is_empty() {
            return Some(name.join(" "));
        }
    }
    None
}

/// "tổ chức các hoạt động …" from "Kế hoạch tổ chức các hoạt động …".
fn plan_subject(title: &str) -> String {
    let title = title.trim();
    let head: String = title.chars().take(8).collect();
    if fold_vi(&head) == "ke hoach" {
        title.chars().skip(8).collect::<String>().trim().to_string()
    } else {
        title.to_string()
    }
}

/// "Kết quả thực hiện kế hoạch … năm học 2026–2027", without saying the year twice.
fn with_year(prefix: &str, plan: &Plan) -> String {
    let subject = plan_subject(&plan.title);
    let year = plan.school_year;
    let mentions_year = subject.contains(&year.label()) || subject.contains(&year.code());
    let subject = if subject.is_empty() {
        String::new()
    } else {
        format!(" {subject}")
    };
    if mentions_year {
        format!("{prefix}{subject}")
    } else {
        format!("{prefix}{subject} năm học {}", year.label())
    }
}

/// "Kế hoạch số 05/KH-VHXH ngày 10/9/2026 về …", as the report's first line cites it.
fn plan_reference(plan: &Plan) -> String {
    let mut out = "Kế hoạch".to_string();
    if let Some(n) = &plan.number {
        out.push_str(&format!(" số {}", n.format()));
    }
    if let Some(at) = plan.published_at {
        out.push_str(&format!(" ngày {}", lanhmang_app::plans::date_text(vietnam_date(at))));
    }
    let subject = plan_subject(&plan.title);
    if !subject.is_empty() {
        out.push_str(&format!(" về {subject}"));
    }
    out
}

/// "16 giờ 05 ngày 28/11/2026", in Vietnam, as official documents write a moment.
fn moment(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(lanhmang_domain::report::VIETNAM);
    format!(
        "{} giờ {:02} ngày {}",
        t.hour(),
        t.minute(),
        lanhmang_app::plans::date_text(t.date())
    )
}

/// The text as paragraphs, one per non-empty line.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn value_text(def: &IndicatorDef, v: Option<&IndicatorValue>) -> String {
    match (def.kind, v.and_then(|v| v.value.as_ref())) {
        (_, None) => "—".into(),
        (IndicatorKind::YesNo, Some(Value::Number(n))) => if *n > 0.0 { "Có" } else { "Không" }.into(),
        (_, Some(Value::Number(n))) => format_number(*n),
        (_, Some(Value::Text(t))) => t.clone(),
    }
}

/// The name of someone holding `role` in a unit, for the signature block.
async fn holder(state: &AppState, unit_id: i64, role: Role) -> Result<String, AppError> {
    Ok(lanhmang_app::letterhead::signer(&state.app, unit_id, role).await?)
}

/// The schools' own words, grouped where several wrote the same: "- «…» (Trường A, Trường B)".
fn quotes(items: &[(String, String)]) -> Vec<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (school, text) in items {
        let text = excerpt(&text.split_whitespace().collect::<Vec<_>>().join(" "), 400);
        if text.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(t, _)| fold_vi(t) == fold_vi(&text)) {
            Some((_, schools)) => schools.push(school.clone()),
            None => groups.push((text, vec![school.clone()])),
        }
    }
    if groups.is_empty() {
        return vec!["Không có trường nào nêu.".into()];
    }
    groups
        .into_iter()
        .map(|(text, schools)| format!("- «{text}» ({})", schools.join(", ")))
        .collect()
}

/// Everything the aggregated report says, from the live tables.
async fn office_document(state: &AppState, plan: &Plan, q: &DocumentQuery) -> Result<OfficialDocument, AppError> {
    let issuer = state
        .store
        .unit(plan.issuing_unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let parent = match issuer.parent_id {
        Some(id) => state.store.unit(id).await?,
        None => None,
    };
    let number = report_number(q.so.as_deref(), plan.number.as_ref().map(|n| n.issuer.as_str()))?;
    let place = place(q.noi.as_deref(), &issuer.address)?;
    let roots = vec![plan.issuing_unit_id];
    let data = state.store.plan_dashboard(plan, &roots).await?;
    let defs: Vec<&IndicatorDef> = plan.content.indicators().collect();
    let d = lanhmang_app::dashboard::dashboard(&defs, &data);
    let entries = all_entries(state, plan, &roots, &ReportFilter::default()).await?;
    let names: HashMap<i64, &str> = entries.iter().map(|e| (e.unit_id, e.unit_name.as_str())).collect();
    let received = state.store.received_reports(plan, &roots).await?;
    let now = time::OffsetDateTime::now_utc();
    let t = &d.total;

    let mut intro = Vec::new();
    if let Some(p) = &parent {
        intro.push(format!("Kính gửi: {}.", p.name));
    }
    intro.push(format!(
        "Thực hiện {}, {} báo cáo kết quả thực hiện năm học {} của các trường như sau:",
        plan_reference(plan),
        issuer.name,
        plan.school_year.label()
    ));

    // I. Completeness and timeliness.
    let mut completeness = vec![
        format!(
            "Số trường phải nộp báo cáo: {}; đã nộp: {}, đạt {} (số liệu tính đến {}).",
            t.expected,
            t.submitted,
            percent(t.completeness),
            moment(now)
        ),
        if t.submitted > 0 {
            format!(
                "Số báo cáo nộp đúng hạn (đến hết ngày {}): {}/{}, đạt {}; nộp muộn: {}.",
                lanhmang_app::plans::date_text(plan.deadline),
                t.on_time,
                t.submitted,
                percent(t.timeliness),
                t.late
            )
        } else {
            format!(
                "Chưa có báo cáo nào được nộp; hạn nộp là ngày {}.",
                lanhmang_app::plans::date_text(plan.deadline)
            )
        },
    ];
    if t.accepted + t.returned > 0 {
        completeness.push(format!(
            "Đã duyệt {} báo cáo; {} báo cáo được trả lại để bổ sung.",
            t.accepted, t.returned
        ));
    }
    if t.reopened > 0 {
        completeness.push(format!(
            "{} báo cáo đã duyệt được mở lại để trường sửa, chưa gửi lại.",
            t.reopened
        ));
    }
    let level_row = |label: String, l: &LevelFigure| {
        vec![
            label,
            l.expected.to_string(),
            l.submitted.to_string(),
            percent(l.completeness),
            l.on_time.to_string(),
            l.late.to_string(),
        ]
    };
    let mut level_rows: Vec<Vec<String>> = ordered_levels(&d)
        .into_iter()
        .map(|l| level_row(l.label.clone(), l))
        .collect();
    // With one level, its row and the total would say the same thing twice.
    if d.by_level.len() != 1 {
        level_rows.push(level_row("Cộng".into(), t));
    }
    let missing: Vec<&ReportListEntry> = entries
        .iter()
        .filter(|e| !e.status.is_some_and(ReportStatus::is_in))
        .collect();
    // The school's name says its level already; a narrow table keeps names on one line.
    let missing_rows: Vec<Vec<String>> = missing
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                (i + 1).to_string(),
                e.unit_name.clone(),
                lanhmang_app::reports::status_label(e.status).to_string(),
            ]
        })
        .collect();
    let mut sections = vec![Section {
        heading: "I. Tình hình nộp báo cáo của các trường".into(),
        paragraphs: completeness,
        table: Some(Table {
            header: ["Cấp học", "Phải nộp", "Đã nộp", "Tỉ lệ nộp", "Đúng hạn", "Nộp muộn"]
                .map(String::from)
                .to_vec(),
            rows: level_rows,
            numeric_columns: vec![1, 2, 3, 4, 5],
        }),
    }];
    sections.push(if missing.is_empty() {
        Section {
            heading: "Các trường chưa nộp báo cáo".into(),
            paragraphs: vec!["Tất cả các trường đã nộp báo cáo.".into()],
            table: None,
        }
    } else {
        Section {
            heading: format!("Các trường chưa nộp báo cáo ({} trường)", missing.len()),
            paragraphs: Vec::new(),
            table: Some(Table {
                header: ["STT", "Trường", "Tình trạng"].map(String::from).to_vec(),
                rows: missing_rows,
                numeric_columns: vec![0],
            }),
        }
    });

    // II. Indicators.
    let indicator_rows: Vec<Vec<String>> = d
        .indicators
        .iter()
        .filter(|f| f.aggregation != Aggregation::List)
        .enumerate()
        .map(|(i, f)| {
            vec![
                (i + 1).to_string(),
                f.name.clone(),
                aggregate_text(f),
                f.reporting.to_string(),
            ]
        })
        .collect();
    sections.push(Section {
        heading: "II. Kết quả thực hiện các chỉ tiêu".into(),
        paragraphs: vec![format!(
            "Tổng hợp từ {} báo cáo đã nộp (đã gửi hoặc đã duyệt):",
            t.submitted
        )],
        table: Some(Table {
            header: ["STT", "Chỉ tiêu", "Giá trị tổng hợp", "Số trường báo cáo"]
                .map(String::from)
                .to_vec(),
            rows: indicator_rows,
            numeric_columns: vec![0, 2, 3],
        }),
    });

    // III. The schools' own assessment.
    let school = |r: &Report| names.get(&r.unit_id).copied().unwrap_or("").to_string();
    let strengths: Vec<(String, String)> = received
        .iter()
        .map(|r| (school(r), r.narrative.strengths.clone()))
        .collect();
    let limitations: Vec<(String, String)> = received
        .iter()
        .map(|r| (school(r), r.narrative.limitations.clone()))
        .collect();
    let list_codes: Vec<&str> = defs
        .iter()
        .filter(|d| d.aggregation == Aggregation::List)
        .map(|d| d.code.as_str())
        .collect();
    let mut proposals: Vec<(String, String)> = Vec::new();
    for r in &received {
        proposals.push((school(r), r.narrative.proposals.clone()));
        for code in &list_codes {
            if let Some(Value::Text(t)) = r.values.get(*code).and_then(|v| v.value.as_ref()) {
                proposals.push((school(r), t.clone()));
            }
        }
    }
    sections.push(Section {
        heading: "III. Đánh giá chung và đề xuất, kiến nghị của các trường".into(),
        paragraphs: Vec::new(),
        table: None,
    });
    sections.push(Section {
        heading: "1. Ưu điểm".into(),
        paragraphs: quotes(&strengths),
        table: None,
    });
    sections.push(Section {
        heading: "2. Hạn chế".into(),
        paragraphs: quotes(&limitations),
        table: None,
    });
    sections.push(Section {
        heading: "3. Đề xuất, kiến nghị".into(),
        paragraphs: quotes(&proposals),
        table: None,
    });

    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: parent.map(|p| p.name).unwrap_or_else(|| "ỦY BAN NHÂN DÂN".into()),
            issuing_unit: issuer.name.clone(),
            number,
            place,
            date: lanhmang_app::plans::today(),
        },
        kind_title: "Báo cáo".into(),
        subtitle: with_year("Kết quả thực hiện kế hoạch", plan),
        intro,
        sections,
        recipients: vec!["Như trên".into(), "Lưu: VT".into()],
        signature: Signature {
            on_behalf: None,
            title: "Trưởng phòng".into(),
            signer: holder(state, issuer.id, Role::OfficeHead).await?,
        },
    })
}

pub async fn office<F: AsFormat>(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    let format = F::FORMAT;
    let (plan, _) = dashboard_plan(&state, &identity, &id).await?;
    let doc = office_document(&state, &plan, &q).await?;
    let bytes = render_document(doc, format).await?;
    let issuer_code = state
        .store
        .unit(plan.issuing_unit_id)
        .await?
        .map(|u| u.code)
        .unwrap_or_default();
    let name = format!(
        "Báo cáo tổng hợp {} {issuer_code}.{}",
        plan.school_year.code(),
        format.extension()
    );
    attachment(bytes, format.content_type(), &name)
}

/// A school's own report in the form of Decree 30.
async fn school_document(
    state: &AppState,
    plan: &Plan,
    unit: &Unit,
    report: &Report,
    q: &DocumentQuery,
) -> Result<OfficialDocument, AppError> {
    let authority = match unit.parent_id {
        Some(id) => state.store.unit(id).await?.map(|u| u.name),
        None => None,
    }
    .unwrap_or_else(|| plan.issuing_unit_name.clone());
    let mut intro = vec![format!("Kính gửi: {authority}.")];
    if !report.status.is_in() {
        intro.push(format!(
            "(Bản dự thảo: báo cáo đang ở trạng thái «{}», chưa gửi {}.)",
            report.status.label().to_lowercase(),
            plan.issuing_unit_name
        ));
    }
    intro.push(format!(
        "Thực hiện {} của {}, {} báo cáo kết quả thực hiện năm học {} như sau:",
        plan_reference(plan),
        plan.issuing_unit_name,
        unit.name,
        plan.school_year.label()
    ));
    let mut rows = Vec::new();
    let mut list_texts = Vec::new();
    for def in plan.content.indicators() {
        let v = report.values.get(&def.code);
        if def.aggregation == Aggregation::List {
            if let Some(Value::Text(t)) = v.and_then(|v| v.value.as_ref())
                && !t.trim().is_empty()
            {
                list_texts.push(t.clone());
            }
            continue;
        }
        // Each figure names where it really came from (the log, the school's data, website
        // supervision); a figure only the school answers names none.
        let source = indicator_source(&def.code).map(|s| s.to_lowercase());
        let note = match (v, source) {
            (Some(v), Some(source)) if !v.override_reason.trim().is_empty() => format!(
                "Điều chỉnh so với số liệu tính từ {source} ({}): {}",
                v.computed.map(format_number).unwrap_or_else(|| "—".into()),
                v.override_reason.trim()
            ),
            (Some(v), None) if !v.override_reason.trim().is_empty() => v.override_reason.trim().to_string(),
            (Some(v), Some(source)) if v.computed.is_some() => format!("Tính từ {source}"),
            _ => String::new(),
        };
        rows.push(vec![
            (rows.len() + 1).to_string(),
            def.name.clone(),
            value_text(def, v),
            note,
        ]);
    }
    let or_none = |paragraphs: Vec<String>| {
        if paragraphs.is_empty() {
            vec!["Không có.".to_string()]
        } else {
            paragraphs
        }
    };
    let mut proposals = lines(&report.narrative.proposals);
    for t in list_texts {
        if !proposals.iter().any(|p| fold_vi(p) == fold_vi(&t)) {
            proposals.extend(lines(&t));
        }
    }
    let sections = vec![
        Section {
            heading: "I. Các chỉ tiêu".into(),
            paragraphs: Vec::new(),
            table: Some(Table {
                header: ["STT", "Chỉ tiêu", "Kết quả", "Ghi chú"].map(String::from).to_vec(),
                rows,
                numeric_columns: vec![0, 2],
            }),
        },
        Section {
            heading: "II. Kết quả đạt được".into(),
            paragraphs: or_none(lines(&report.narrative.results)),
            table: None,
        },
        Section {
            heading: "III. Ưu điểm".into(),
            paragraphs: or_none(lines(&report.narrative.strengths)),
            table: None,
        },
        Section {
            heading: "IV. Hạn chế".into(),
            paragraphs: or_none(lines(&report.narrative.limitations)),
            table: None,
        },
        Section {
            heading: "V. Đề xuất, kiến nghị".into(),
            paragraphs: or_none(proposals),
            table: None,
        },
    ];
    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: authority,
            issuing_unit: unit.name.clone(),
            number: report_number(q.so.as_deref(), None)?,
            place: place(q.noi.as_deref(), &unit.address)?,
            date: lanhmang_app::plans::today(),
        },
        kind_title: "Báo cáo".into(),
        subtitle: with_year("Đánh giá việc thực hiện kế hoạch", plan),
        intro,
        sections,
        recipients: vec!["Như trên".into(), "Lưu: VT".into()],
        signature: Signature {
            on_behalf: None,
            title: "Hiệu trưởng".into(),
            signer: holder(state, unit.id, Role::Principal).await?,
        },
    })
}

pub async fn school<F: AsFormat>(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, unit_id)): Path<(String, String)>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    let format = F::FORMAT;
    let (plan, _) = lanhmang_app::plans::visible_plan(&state.app, &identity, parse_id(&id)?).await?;
    let unit =
        lanhmang_app::plans::school_of_plan(&state.app, &identity, &plan, parse_id(&unit_id)?, Action::ViewReports)
            .await?;
    let report = state.store.report(plan.id, unit.id).await?.ok_or_else(|| {
        AppError::Conflict("Trường chưa lập báo cáo cho kế hoạch này nên chưa có gì để tải về.".into())
    })?;
    let doc = school_document(&state, &plan, &unit, &report, &q).await?;
    let bytes = render_document(doc, format).await?;
    let name = format!(
        "Báo cáo {} {}.{}",
        plan.school_year.code(),
        unit.code,
        format.extension()
    );
    attachment(bytes, format.content_type(), &name)
}

/// The referral letter of an incident ("phiếu chuyển"), as the case's handlers print it.
pub async fn referral<F: AsFormat>(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    let format = F::FORMAT;
    let id = parse_id(&id)?;
    // The unit's names come from the case the use case checks; the edge only parses the form.
    let number = document_number(q.so.as_deref(), None, DocumentKind::Transfer, "phiếu chuyển")?;
    let case = lanhmang_app::incidents::open_case_unit(&state.app, &identity, id).await?;
    let parent_authority = match case.parent_id {
        Some(parent) => state.store.unit(parent).await?.map(|u| u.name),
        None => None,
    }
    .unwrap_or_default();
    let heading = lanhmang_app::incidents::LetterHeading {
        number,
        place: place(q.noi.as_deref(), &case.address)?,
        parent_authority,
    };
    let doc = lanhmang_app::incidents::referral_letter(&state.app, &identity, id, heading).await?;
    let bytes = render_document(doc, format).await?;
    attachment(
        bytes,
        format.content_type(),
        &format!("Phiếu chuyển hồ sơ {id}.{}", format.extension()),
    )
}

/// The office's plan in the form of Decree 30, for whoever may see the plan.
pub async fn plan<F: AsFormat>(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    let format = F::FORMAT;
    let (plan, _) = lanhmang_app::plans::visible_plan(&state.app, &identity, parse_id(&id)?).await?;
    let address = state
        .store
        .unit(plan.issuing_unit_id)
        .await?
        .map(|u| u.address)
        .unwrap_or_default();
    let doc =
        lanhmang_app::plans::plan_document(&state.app, &identity, plan.id, place(q.noi.as_deref(), &address)?).await?;
    let bytes = render_document(doc, format).await?;
    attachment(
        bytes,
        format.content_type(),
        &format!("Kế hoạch {}.{}", plan.school_year.code(), format.extension()),
    )
}

/// A school's own plan in the form of Decree 30, for those who may see it.
pub async fn school_plan<F: AsFormat>(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, unit_id)): Path<(String, String)>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    let format = F::FORMAT;
    let (plan, _) = lanhmang_app::plans::visible_plan(&state.app, &identity, parse_id(&id)?).await?;
    let unit = lanhmang_app::plans::school_of_plan(
        &state.app,
        &identity,
        &plan,
        parse_id(&unit_id)?,
        Action::ViewSchoolPlan,
    )
    .await?;
    let doc = lanhmang_app::plans::school_plan_document(
        &state.app,
        &identity,
        plan.id,
        unit.id,
        place(q.noi.as_deref(), &unit.address)?,
    )
    .await?;
    let bytes = render_document(doc, format).await?;
    attachment(
        bytes,
        format.content_type(),
        &format!(
            "Kế hoạch {} {}.{}",
            plan.school_year.code(),
            unit.code,
            format.extension()
        ),
    )
}

/// A notice in the form of Decree 30, for its senders and recipients.
pub async fn notice<F: AsFormat>(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    let format = F::FORMAT;
    let id = parse_id(&id)?;
    let view = lanhmang_app::notices::get(&state.app, &identity, id).await?;
    let address = state
        .store
        .unit(view.notice.unit_id)
        .await?
        .map(|u| u.address)
        .unwrap_or_default();
    let doc = lanhmang_app::notices::document(&state.app, &identity, id, place(q.noi.as_deref(), &address)?).await?;
    let bytes = render_document(doc, format).await?;
    attachment(
        bytes,
        format.content_type(),
        &format!(
            "Thông báo {}.{}",
            view.number.unwrap_or_default().replace('/', "-"),
            format.extension()
        ),
    )
}

/// Every indicator per school, with a totals row that adds up as the plan says.
pub async fn indicators_xlsx(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (plan, _) = dashboard_plan(&state, &identity, &id).await?;
    let roots = vec![plan.issuing_unit_id];
    let entries = all_entries(&state, &plan, &roots, &ReportFilter::default()).await?;
    let received: BTreeMap<i64, Report> = state
        .store
        .received_reports(&plan, &roots)
        .await?
        .into_iter()
        .map(|r| (r.unit_id, r))
        .collect();
    let data = state.store.plan_dashboard(&plan, &roots).await?;
    let defs: Vec<&IndicatorDef> = plan.content.indicators().collect();
    let d = lanhmang_app::dashboard::dashboard(&defs, &data);

    let text = |header: &str, width: f64| Column {
        header: header.into(),
        width,
        kind: ColumnKind::Text,
    };
    let mut columns = vec![
        text("Mã trường", 14.0),
        text("Tên trường", 34.0),
        text("Cấp học", 12.0),
        text("Tình trạng báo cáo", 14.0),
        Column {
            header: "Ngày nộp".into(),
            width: 12.0,
            kind: ColumnKind::Date,
        },
        text("Đúng hạn", 11.0),
    ];
    for def in &defs {
        columns.push(Column {
            header: def.name.clone(),
            width: if def.kind == IndicatorKind::Text { 36.0 } else { 16.0 },
            kind: match (def.kind, def.aggregation) {
                (IndicatorKind::Number, Aggregation::Average) => ColumnKind::Number,
                (IndicatorKind::Number, _) => ColumnKind::Integer,
                _ => ColumnKind::Text,
            },
        });
    }
    let rows: Vec<Vec<Cell>> = entries
        .iter()
        .map(|e| {
            let report = received.get(&e.unit_id);
            let mut row = vec![
                Cell::Text(e.unit_code.clone()),
                Cell::Text(e.unit_name.clone()),
                Cell::Text(e.school_level.map(|l| l.label()).unwrap_or("").into()),
                Cell::Text(lanhmang_app::reports::status_label(e.status).into()),
                report
                    .and_then(|r| r.first_submitted_at)
                    .map_or(Cell::Empty, |t| Cell::Date(vietnam_date(t))),
                match report.and_then(|r| r.late) {
                    Some(false) => Cell::Text("Đúng hạn".into()),
                    Some(true) => Cell::Text("Nộp muộn".into()),
                    None => Cell::Empty,
                },
            ];
            for def in &defs {
                // Only received reports count: a draft's figures may still change.
                let value = report
                    .and_then(|r| r.values.get(&def.code))
                    .and_then(|v| v.value.as_ref());
                row.push(match (def.kind, value) {
                    (_, None) => Cell::Empty,
                    (IndicatorKind::YesNo, Some(Value::Number(n))) => Cell::Bool(*n > 0.0),
                    (_, Some(Value::Number(n))) => Cell::Number(*n),
                    (_, Some(Value::Text(t))) => Cell::Text(t.clone()),
                });
            }
            row
        })
        .collect();
    let mut totals = vec![
        Cell::Text("Tổng hợp".into()),
        Cell::Text(format!(
            "{}/{} trường đã nộp ({})",
            d.total.submitted,
            d.total.expected,
            percent(d.total.completeness)
        )),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Text(format!("{} đúng hạn", d.total.on_time)),
    ];
    for f in &d.indicators {
        totals.push(match (f.aggregation, f.value) {
            (_, None) | (Aggregation::List, _) => Cell::Empty,
            (Aggregation::ShareOfSchools, Some(v)) => Cell::Percent(v),
            (Aggregation::CountOfSchools, Some(v)) => Cell::Integer(v.round() as i64),
            (_, Some(v)) => Cell::Number(v),
        });
    }
    let schools = Sheet {
        name: "Theo trường".into(),
        title: Some(format!(
            "{} – {} (số liệu đến {})",
            with_year("Kết quả thực hiện kế hoạch", &plan),
            plan.issuing_unit_name,
            crate::format::date_time(time::OffsetDateTime::now_utc())
        )),
        columns,
        rows,
        totals: Some(totals),
    };
    let summary = Sheet {
        name: "Chỉ tiêu".into(),
        title: None,
        columns: vec![
            text("Mã chỉ tiêu", 22.0),
            text("Chỉ tiêu", 60.0),
            text("Cách tổng hợp", 20.0),
            text("Giá trị tổng hợp", 18.0),
            Column {
                header: "Số trường báo cáo".into(),
                width: 12.0,
                kind: ColumnKind::Integer,
            },
        ],
        rows: d
            .indicators
            .iter()
            .map(|f| {
                vec![
                    Cell::Text(f.code.clone()),
                    Cell::Text(f.name.clone()),
                    Cell::Text(how(f.aggregation).into()),
                    Cell::Text(if f.aggregation == Aggregation::List {
                        String::new()
                    } else {
                        f.shown.clone()
                    }),
                    Cell::Integer(f.reporting),
                ]
            })
            .collect(),
        totals: None,
    };
    let bytes = tokio::task::spawn_blocking(move || lanhmang_export::xlsx(&[schools, summary]))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let issuer_code = state
        .store
        .unit(plan.issuing_unit_id)
        .await?
        .map(|u| u.code)
        .unwrap_or_default();
    attachment(
        bytes,
        XLSX_TYPE,
        &format!("Chỉ tiêu theo trường {} {issuer_code}.xlsx", plan.school_year.code()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::dashboard::days_left;

    #[test]
    fn places_from_addresses() {
        assert_eq!(
            place_from_address("Trụ sở UBND phường An Bình").as_deref(),
            Some("An Bình")
        );
        assert_eq!(
            place_from_address("Số 1 đường Lê Lợi, thành phố Sông Hồng").as_deref(),
            Some("Sông Hồng")
        );
        assert_eq!(
            place_from_address("Phường An Bình, khu Hoa Sen").as_deref(),
            Some("An Bình")
        );
        assert_eq!(
            place_from_address("Thôn 3, xã Tân Phú, huyện Đồng Xuân").as_deref(),
            Some("Tân Phú")
        );
        assert_eq!(
            place_from_address("12 Trần Phú, thị xã Sơn Tây").as_deref(),
            Some("Sơn Tây")
        );
        assert_eq!(place_from_address("không rõ"), None);
    }

    #[test]
    fn report_numbers() {
        assert_eq!(report_number(Some(" 15/BC-VHXH "), None).unwrap(), "15/BC-VHXH");
        assert_eq!(report_number(Some("5/BC-VHXH"), None).unwrap(), "05/BC-VHXH");
        assert_eq!(report_number(None, Some("VHXH")).unwrap(), "……/BC-VHXH");
        assert_eq!(report_number(Some(""), None).unwrap(), "……/BC-……");
        assert!(matches!(report_number(Some("05/KH-VHXH"), None), Err(AppError::BadRequest(m)) if m.contains("BC")));
        assert!(matches!(report_number(Some("abc"), None), Err(AppError::BadRequest(m)) if m.contains("15/BC-VHXH")));
    }

    #[test]
    fn subtitles_do_not_repeat_the_year() {
        assert_eq!(plan_subject("Kế hoạch tổ chức các hoạt động"), "tổ chức các hoạt động");
        assert_eq!(plan_subject("Chương trình hành động"), "Chương trình hành động");
        assert_eq!(
            days_left(time::macros::date!(2027 - 06 - 01), time::macros::date!(2027 - 05 - 30)).0,
            "còn 2 ngày"
        );
        assert_eq!(
            days_left(time::macros::date!(2027 - 06 - 01), time::macros::date!(2027 - 06 - 04)),
            ("đã quá hạn 3 ngày".to_string(), true)
        );
        assert_eq!(percent(5.0 / 23.0), "21,7%");
        assert_eq!(percent(1.0), "100%");
    }

    #[test]
    fn quotes_group_identical_words() {
        let q = quotes(&[
            ("Trường A".into(), "Cần thêm tài liệu.".into()),
            ("Trường B".into(), "Cần  thêm tài liệu.".into()),
            ("Trường C".into(), String::new()),
        ]);
        assert_eq!(q, vec!["- «Cần thêm tài liệu.» (Trường A, Trường B)".to_string()]);
        assert_eq!(quotes(&[]), vec!["Không có trường nào nêu.".to_string()]);
        assert!(excerpt(&"chữ ".repeat(200), 50).ends_with('…'));
    }
}
