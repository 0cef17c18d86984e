//! Importing units from a CSV or XLSX file: every row is checked, every error is reported with
//! its row, column and reason, and the result is either a complete plan or nothing.

use std::collections::{HashMap, HashSet};

use crate::text::fold_key;
use crate::unit::{UnitCode, UnitFields, UnitInput, UnitKind};

/// One problem in an import file. `row` counts as a spreadsheet does: the header is row 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dòng {}, cột {}: {}", self.row, self.column, self.reason)
    }
}

pub use crate::table_file::{MAX_ROWS, ReadError, Table, read_table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Code,
    Name,
    Kind,
    ParentCode,
    SchoolLevel,
    Status,
    Address,
    Websites,
}

impl Column {
    fn from_header(header: &str) -> Option<Column> {
        Some(match fold_key(header).as_str() {
            "code" | "ma" | "ma_don_vi" | "ma_dv" => Column::Code,
            "name" | "ten" | "ten_don_vi" | "ten_dv" => Column::Name,
            "kind" | "loai" | "loai_don_vi" => Column::Kind,
            "parent_code" | "parent" | "ma_cap_tren" | "ma_don_vi_cap_tren" | "don_vi_cap_tren" | "cap_tren" => {
                Column::ParentCode
            }
            "school_level" | "level" | "cap_hoc" => Column::SchoolLevel,
            "status" | "trang_thai" => Column::Status,
            "address" | "dia_chi" => Column::Address,
            "websites" | "website" | "trang_web" | "dia_chi_website" => Column::Websites,
            _ => return None,
        })
    }
}

/// A unit that already exists, as far as the import needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingUnit {
    pub kind: UnitKind,
    pub parent_code: Option<String>,
}

/// One validated row, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub row: usize,
    pub fields: UnitFields,
    pub parent_code: Option<UnitCode>,
}

/// Checks a whole table against the units that exist. On success the rows come back ordered so
/// that every parent is written before its children.
pub fn plan_import(
    table: &Table,
    existing: &HashMap<String, ExistingUnit>,
) -> Result<Vec<ImportRow>, Vec<ImportError>> {
    let mut errors = Vec::new();
    let Some(header) = table.first() else {
        return Err(vec![ImportError {
            row: 1,
            column: "-".into(),
            reason: "Tệp trống.".into(),
        }]);
    };
    let mut columns: HashMap<Column, (usize, String)> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        match Column::from_header(h) {
            Some(c) if columns.contains_key(&c) => errors.push(ImportError {
                row: 1,
                column: h.clone(),
                reason: "Cột bị lặp lại.".into(),
            }),
            Some(c) => {
                columns.insert(c, (i, h.trim().to_string()));
            }
            None if h.trim().is_empty() => {}
            None => errors.push(ImportError {
                row: 1,
                column: h.clone(),
                reason: "Không nhận ra tên cột (dùng: ma_don_vi, ten_don_vi, loai, ma_cap_tren, cap_hoc, trang_thai, dia_chi, website).".into(),
            }),
        }
    }
    for (required, label) in [
        (Column::Code, "ma_don_vi"),
        (Column::Name, "ten_don_vi"),
        (Column::Kind, "loai"),
    ] {
        if !columns.contains_key(&required) {
            errors.push(ImportError {
                row: 1,
                column: label.into(),
                reason: "Thiếu cột bắt buộc.".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let cell = |row: &[String], c: Column| -> String {
        columns
            .get(&c)
            .and_then(|(i, _)| row.get(*i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let column_name = |c: Column, fallback: &str| -> String {
        columns
            .get(&c)
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| fallback.to_string())
    };

    let mut rows: Vec<ImportRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Every row whose code parses, valid or not, so that tree errors are found in one pass too.
    let mut links: Vec<(usize, UnitCode, Option<UnitCode>, Option<UnitKind>)> = Vec::new();
    for (index, raw) in table.iter().enumerate().skip(1) {
        let row_number = index + 1;
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let input = UnitInput {
            code: cell(raw, Column::Code),
            name: cell(raw, Column::Name),
            kind: cell(raw, Column::Kind),
            school_level: cell(raw, Column::SchoolLevel),
            status: cell(raw, Column::Status),
            address: cell(raw, Column::Address),
            websites: cell(raw, Column::Websites),
        };
        let parent_raw = cell(raw, Column::ParentCode);
        let parent_code = if parent_raw.is_empty() {
            None
        } else {
            match UnitCode::parse(&parent_raw) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(ImportError {
                        row: row_number,
                        column: column_name(Column::ParentCode, "ma_cap_tren"),
                        reason: e.to_string(),
                    });
                    None
                }
            }
        };
        if let Ok(code) = UnitCode::parse(&input.code) {
            if let Some(first) = seen.insert(code.as_str().to_string(), row_number) {
                errors.push(ImportError {
                    row: row_number,
                    column: column_name(Column::Code, "ma_don_vi"),
                    reason: format!("Mã đơn vị {code} đã xuất hiện ở dòng {first}."),
                });
            }
            links.push((row_number, code, parent_code.clone(), UnitKind::parse(&input.kind)));
        }
        match input.parse() {
            Ok(fields) => rows.push(ImportRow {
                row: row_number,
                fields,
                parent_code,
            }),
            Err(field_errors) => {
                for (field, e) in field_errors {
                    let column = match field {
                        crate::unit::UnitField::Code => column_name(Column::Code, "ma_don_vi"),
                        crate::unit::UnitField::Name => column_name(Column::Name, "ten_don_vi"),
                        crate::unit::UnitField::Kind => column_name(Column::Kind, "loai"),
                        crate::unit::UnitField::SchoolLevel => column_name(Column::SchoolLevel, "cap_hoc"),
                        crate::unit::UnitField::Status => column_name(Column::Status, "trang_thai"),
                        crate::unit::UnitField::Address => column_name(Column::Address, "dia_chi"),
                        crate::unit::UnitField::Websites => column_name(Column::Websites, "website"),
                    };
                    errors.push(ImportError {
                        row: row_number,
                        column,
                        reason: e.to_string(),
                    });
                }
            }
        }
    }

    // The tree after the import: the file's rows override what exists.
    let mut parent_of: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|(code, u)| (code.as_str(), u.parent_code.as_deref()))
        .collect();
    let mut kind_of: HashMap<&str, Option<UnitKind>> =
        existing.iter().map(|(code, u)| (code.as_str(), Some(u.kind))).collect();
    for (_, code, parent, kind) in &links {
        parent_of.insert(code.as_str(), parent.as_ref().map(UnitCode::as_str));
        kind_of.insert(code.as_str(), *kind);
    }
    let parent_column = column_name(Column::ParentCode, "ma_cap_tren");
    for (row, code, parent, _) in &links {
        let Some(parent) = parent else { continue };
        let tree_error = |reason: String| ImportError {
            row: *row,
            column: parent_column.clone(),
            reason,
        };
        match kind_of.get(parent.as_str()) {
            None => errors.push(tree_error(format!(
                "Không có đơn vị cấp trên mã {parent} (trong tệp hay trong hệ thống)."
            ))),
            Some(Some(UnitKind::School)) => errors.push(tree_error(format!(
                "Đơn vị cấp trên {parent} là trường học; trường không có đơn vị cấp dưới."
            ))),
            Some(_) => {}
        }
        // Walk up from the row; meeting the row again means a cycle.
        let mut visited = HashSet::new();
        let mut current = Some(parent.as_str());
        while let Some(up) = current {
            if up == code.as_str() {
                errors.push(tree_error("Quan hệ cấp trên tạo thành vòng lặp.".into()));
                break;
            }
            if !visited.insert(up) {
                break;
            }
            current = parent_of.get(up).copied().flatten();
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(errors);
    }
    Ok(order_parents_first(rows))
}

/// Refuses rows that reach outside the subtrees the importer manages: a unit may be created or
/// changed only where its place in the tree, before and after the import, lies under one of
/// `managed` (unit codes). A system administrator's `managed` holds the roots.
pub fn check_scope(
    rows: &[ImportRow],
    existing: &HashMap<String, ExistingUnit>,
    managed: &HashSet<String>,
) -> Vec<ImportError> {
    let mut after: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|(code, u)| (code.as_str(), u.parent_code.as_deref()))
        .collect();
    for r in rows {
        after.insert(r.fields.code.as_str(), r.parent_code.as_ref().map(UnitCode::as_str));
    }
    let before: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|(code, u)| (code.as_str(), u.parent_code.as_deref()))
        .collect();
    let under = |tree: &HashMap<&str, Option<&str>>, code: &str| -> bool {
        let mut current = Some(code);
        let mut steps = 0;
        while let Some(c) = current {
            if managed.contains(c) {
                return true;
            }
            steps += 1;
            if steps > 64 {
                return false;
            }
            current = tree.get(c).copied().flatten();
        }
        false
    };
    let mut errors = Vec::new();
    for r in rows {
        let code = r.fields.code.as_str();
        let was_in_scope = !existing.contains_key(code) || under(&before, code);
        let is_root_itself = managed.contains(code);
        let moved =
            existing.get(code).map(|u| u.parent_code.as_deref()) != Some(r.parent_code.as_ref().map(UnitCode::as_str));
        let stays_in_scope = if is_root_itself && !moved {
            true
        } else {
            r.parent_code.as_ref().is_some_and(|p| under(&after, p.as_str()))
        };
        if !was_in_scope || !stays_in_scope {
            errors.push(ImportError {
                row: r.row,
                column: "ma_cap_tren".into(),
                reason: format!("Đơn vị {code} nằm ngoài phạm vi bạn quản lý."),
            });
        }
    }
    errors.sort_by_key(|e| e.row);
    errors
}

/// Orders rows so that a row whose parent is also in the file comes after that parent.
fn order_parents_first(rows: Vec<ImportRow>) -> Vec<ImportRow> {
    let in_file: HashSet<String> = rows.iter().map(|r| r.fields.code.as_str().to_string()).collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut pending = rows;
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|r| match &r.parent_code {
            Some(p) if in_file.contains(p.as_str()) => placed.contains(p.as_str()),
            _ => true,
        });
        for r in &ready {
            placed.insert(r.fields.code.as_str().to_string());
        }
        ordered.extend(ready);
        pending = rest;
        if pending.len() == before {
            // Unreachable after the cycle check; keep the rest rather than loop forever.
            ordered.append(&mut pending);
        }
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv_text: &str) -> Table {
        read_table(csv_text.as_bytes()).unwrap()
    }

    #[test]
    fn reads_csv_with_vietnamese_headers_and_semicolons() {
        let t = table(
            "Mã đơn vị;Tên đơn vị;Loại;Mã cấp trên;Cấp học\nP1;Phòng A;phong;;\nT1;Trường TH A;truong;P1;Tiểu học\n",
        );
        let rows = plan_import(&t, &HashMap::new()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].fields.code.as_str(), "P1");
        assert_eq!(rows[1].parent_code.as_ref().map(UnitCode::as_str), Some("P1"));
    }

    #[test]
    fn children_come_after_parents() {
        let t = table(
            "code,name,kind,parent_code,school_level\nT1,Trường,school,P1,THCS\nP1,Phòng,office,S1,\nS1,Sở,department,,\n",
        );
        let rows = plan_import(&t, &HashMap::new()).unwrap();
        let codes: Vec<_> = rows.iter().map(|r| r.fields.code.as_str().to_string()).collect();
        assert_eq!(codes, vec!["S1", "P1", "T1"]);
    }

    #[test]
    fn every_error_is_listed_with_row_and_column() {
        let t = table(
            "code,name,kind,parent_code,school_level,status\n\
             T1,,school,P9,,\n\
             T1,Trường B,truong,,tieu hoc,mở cửa\n\
             X 2,Đơn vị,loai la,,,\n",
        );
        let errors = plan_import(&t, &HashMap::new()).unwrap_err();
        let summary: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert!(summary.contains(&(2, "name")), "{errors:?}");
        assert!(summary.contains(&(2, "school_level")), "{errors:?}");
        assert!(summary.contains(&(2, "parent_code")), "{errors:?}");
        assert!(summary.contains(&(3, "code")), "duplicate code: {errors:?}");
        assert!(summary.contains(&(3, "status")), "{errors:?}");
        assert!(summary.contains(&(4, "code")), "{errors:?}");
        assert!(summary.contains(&(4, "kind")), "{errors:?}");
    }

    #[test]
    fn missing_and_unknown_columns() {
        let t = table("ten,foo\nA,B\n");
        let errors = plan_import(&t, &HashMap::new()).unwrap_err();
        assert!(errors.iter().all(|e| e.row == 1));
        assert!(errors.iter().any(|e| e.column == "foo"));
        assert!(errors.iter().any(|e| e.column == "ma_don_vi"));
        assert!(errors.iter().any(|e| e.column == "loai"));
    }

    #[test]
    fn cycles_and_school_parents_are_refused() {
        let mut existing = HashMap::new();
        existing.insert(
            "P1".to_string(),
            ExistingUnit {
                kind: UnitKind::Office,
                parent_code: Some("P2".into()),
            },
        );
        existing.insert(
            "T9".to_string(),
            ExistingUnit {
                kind: UnitKind::School,
                parent_code: Some("P1".into()),
            },
        );
        let t = table("code,name,kind,parent_code\nP2,Phòng 2,office,P1\nT2,Trường,other,T9\n");
        let errors = plan_import(&t, &existing).unwrap_err();
        assert!(
            errors.iter().any(|e| e.row == 2 && e.reason.contains("vòng lặp")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.row == 3 && e.reason.contains("trường học")),
            "{errors:?}"
        );
    }

    #[test]
    fn scope_is_checked_before_and_after() {
        let mut existing = HashMap::new();
        existing.insert(
            "S".to_string(),
            ExistingUnit {
                kind: UnitKind::Department,
                parent_code: None,
            },
        );
        existing.insert(
            "P1".to_string(),
            ExistingUnit {
                kind: UnitKind::Office,
                parent_code: Some("S".into()),
            },
        );
        existing.insert(
            "P2".to_string(),
            ExistingUnit {
                kind: UnitKind::Office,
                parent_code: Some("S".into()),
            },
        );
        existing.insert(
            "T9".to_string(),
            ExistingUnit {
                kind: UnitKind::School,
                parent_code: Some("P2".into()),
            },
        );
        let managed: HashSet<String> = ["P1".to_string()].into();
        let t = table(
            "code,name,kind,parent_code,school_level\nT1,Mới,truong,P1,TH\nP1,Phòng 1,phong,S,\nT9,Của phòng khác,truong,P1,TH\nT2,Ra ngoài,truong,P2,TH\n",
        );
        let rows = plan_import(&t, &existing).unwrap();
        let errors = check_scope(&rows, &existing, &managed);
        let bad: Vec<usize> = errors.iter().map(|e| e.row).collect();
        assert_eq!(bad, vec![4, 5], "{errors:?}");
    }

    #[test]
    fn empty_and_non_utf8_files_are_refused() {
        assert!(matches!(read_table(b"code,name,kind\n"), Err(ReadError::Empty)));
        assert!(matches!(read_table(b"code,name\n\xff\xfe,x\n"), Err(ReadError::Csv(_))));
        assert!(matches!(read_table(b"PK\x03\x04garbage"), Err(ReadError::Xlsx(_))));
    }

    #[test]
    fn reads_xlsx() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["Mã đơn vị", "Tên đơn vị", "Loại", "Cấp học"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_number(1, 0, 1001.0).unwrap();
        ws.write_string(1, 1, "Trường THCS Số 1").unwrap();
        ws.write_string(1, 2, "Trường").unwrap();
        ws.write_string(1, 3, "THCS").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let t = read_table(&bytes).unwrap();
        let rows = plan_import(&t, &HashMap::new()).unwrap();
        assert_eq!(rows[0].fields.code.as_str(), "1001");
        assert_eq!(rows[0].fields.kind, UnitKind::School);
    }
}
