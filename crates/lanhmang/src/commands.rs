//! The command-line actions other than `serve`.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use lanhmang_domain::person::PersonInput;
use lanhmang_domain::units_import::{plan_import, read_table};
use lanhmang_domain::{Role, password};
use lanhmang_store::{AuditContext, Store};

use crate::config::Config;

fn cli_context() -> AuditContext {
    let who = std::env::var("USER").unwrap_or_else(|_| "?".into());
    AuditContext {
        actor_id: None,
        actor: format!("dòng lệnh ({who})"),
        client_ip: String::new(),
    }
}

/// `lanhmang units import FILE`: all rows or none; every error listed.
pub async fn units_import(store: &Store, file: &Path, dry_run: bool) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("không đọc được tệp {}", file.display()))?;
    let table = read_table(&bytes)?;
    let existing = store.unit_links().await?;
    let rows = match plan_import(&table, &existing) {
        Ok(rows) => rows,
        Err(errors) => {
            let mut message = format!("Tệp có {} lỗi; chưa ghi gì vào hệ thống:\n", errors.len());
            for e in &errors {
                message.push_str(&format!("  - {e}\n"));
            }
            bail!(message.trim_end().to_string());
        }
    };
    if dry_run {
        return Ok(format!(
            "Tệp hợp lệ: {} dòng sẽ được nhập (chạy thử, chưa ghi gì).",
            rows.len()
        ));
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let summary = store
        .import_units(&cli_context(), &rows, &format!("tệp {name}"))
        .await?;
    Ok(format!(
        "Đã nhập: {} đơn vị mới, {} đơn vị cập nhật.",
        summary.created, summary.updated
    ))
}

/// A password from standard input (one line), or a generated temporary one.
fn password_from(stdin: bool, username: &str) -> anyhow::Result<(String, bool)> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let p = line.trim_end_matches(['\n', '\r']).to_string();
        password::check_policy(&p, username)?;
        Ok((p, false))
    } else {
        let mut bytes = [0u8; 9];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        Ok((hex_groups(&bytes), true))
    }
}

fn hex_groups(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.as_bytes()
        .chunks(6)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

pub struct NewUser {
    pub username: String,
    pub name: String,
    pub unit_code: String,
    pub role: Option<String>,
    pub email: String,
    pub phone: String,
    pub password_stdin: bool,
}

pub async fn user_add(store: &Store, u: NewUser) -> anyhow::Result<String> {
    let fields = PersonInput {
        username: u.username.clone(),
        display_name: u.name,
        email: u.email,
        phone: u.phone,
    }
    .parse()
    .map_err(|errors| anyhow::anyhow!(errors.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join(" ")))?;
    let unit = store
        .unit_by_code(&u.unit_code)
        .await?
        .with_context(|| format!("không có đơn vị mã {}", u.unit_code))?;
    let role = match u.role.as_deref() {
        Some(r) => Some(Role::parse(r).with_context(|| {
            format!(
                "vai trò không hợp lệ: {r} (dùng: {})",
                Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
            )
        })?),
        None => None,
    };
    if let Some(role) = role
        && !lanhmang_domain::permission::grantable_at(role, &unit.ancestry)
    {
        bail!(
            "vai trò {} chỉ được giao tại đơn vị gốc (không có cấp trên), không tại {}",
            role.as_str(),
            unit.code
        );
    }
    let (plain, temporary) = password_from(u.password_stdin, &fields.username)?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&plain).map(|h| (h, plain))).await??;
    let ctx = cli_context();
    let person = store
        .create_person(&ctx, unit.id, &fields, Some(&hash.0), temporary)
        .await?;
    if let Some(role) = role {
        store.grant_role(&ctx, person.id, role, unit.id).await?;
    }
    let mut out = format!("Đã tạo tài khoản {} tại {}.", person.username, unit.name);
    if temporary {
        out.push_str(&format!(
            "\nMật khẩu tạm thời: {}\n(phải đổi ở lần đăng nhập đầu tiên)",
            hash.1
        ));
    }
    Ok(out)
}

pub async fn user_passwd(store: &Store, username: &str, stdin: bool) -> anyhow::Result<String> {
    let person = store
        .person_by_username(username)
        .await?
        .with_context(|| format!("không có tài khoản {username}"))?;
    let (plain, temporary) = password_from(stdin, &person.username)?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&plain).map(|h| (h, plain))).await??;
    store
        .set_password(&cli_context(), person.id, &hash.0, temporary, None)
        .await?;
    let mut out = format!(
        "Đã đặt mật khẩu mới cho {}; mọi phiên đăng nhập cũ đã kết thúc.",
        person.username
    );
    if temporary {
        out.push_str(&format!(
            "\nMật khẩu tạm thời: {}\n(phải đổi ở lần đăng nhập tiếp theo)",
            hash.1
        ));
    }
    Ok(out)
}

pub async fn user_set_disabled(store: &Store, username: &str, disabled: bool) -> anyhow::Result<String> {
    let person = store
        .person_by_username(username)
        .await?
        .with_context(|| format!("không có tài khoản {username}"))?;
    store.set_disabled(&cli_context(), person.id, disabled).await?;
    Ok(if disabled {
        format!(
            "Đã khóa tài khoản {}; mọi phiên đăng nhập và mã API đã bị thu hồi.",
            person.username
        )
    } else {
        format!("Đã mở khóa tài khoản {}.", person.username)
    })
}

/// `lanhmang audit verify`: Ok with a report when intact, Err naming the first broken entry.
pub async fn audit_verify(store: &Store) -> anyhow::Result<String> {
    let report = store.verify_audit_chain().await?;
    match report.first_broken {
        None => Ok(format!(
            "Nhật ký nguyên vẹn: {} mục, chuỗi mã băm khớp, chữ ký đầu chuỗi hợp lệ.",
            report.entries
        )),
        Some((seq, why)) => bail!(
            "Nhật ký đã bị can thiệp: mục #{seq} ({why}). {} mục trước đó vẫn khớp.",
            report.entries
        ),
    }
}

/// `lanhmang audit accept --reason …`: signs the current head again after an investigation (or
/// a lost key), recording who did it and why in the log itself.
pub async fn audit_accept(store: &Store, reason: &str) -> anyhow::Result<String> {
    if reason.trim().chars().count() < 10 {
        bail!("hãy ghi rõ lý do (ít nhất 10 ký tự) vào --reason: lý do được lưu trong nhật ký");
    }
    let before = store.verify_audit_chain().await?;
    let seq = store.accept_audit_head(&cli_context(), reason).await?;
    let mut out = format!("Đã ký lại đầu chuỗi nhật ký ({seq} mục) và ghi việc này vào nhật ký.");
    if let Some((seq, why)) = before.first_broken {
        out.push_str(&format!("\nTrước khi ký lại: mục #{seq} ({why})."));
    }
    Ok(out)
}

/// The SQLite file behind the configuration, or an error for PostgreSQL.
pub fn sqlite_path(config: &Config) -> anyhow::Result<PathBuf> {
    lanhmang_store::sqlite_file(&config.database_url)
        .context("lệnh này chỉ dùng với SQLite. Với PostgreSQL hãy dùng pg_dump và pg_restore (xem README).")
}

/// A lock beside the SQLite file: `serve` holds it shared, `restore` needs it alone.
pub fn lock_file(db: &Path) -> anyhow::Result<std::fs::File> {
    let path = db.with_extension("lock");
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("không mở được {}", path.display()))
}

pub async fn backup(store: &Store, dest: &Path) -> anyhow::Result<String> {
    store.backup_sqlite(dest).await?;
    let size = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "Đã sao lưu vào {} ({} KB).",
        dest.display(),
        size.div_ceil(1024)
    ))
}

/// Replaces the SQLite database with a backup, after checking the backup, while no server
/// runs. The old file is kept beside it.
pub async fn restore(config: &Config, source: &Path) -> anyhow::Result<String> {
    let db = sqlite_path(config)?;
    if !source.is_file() {
        bail!("không có tệp sao lưu {}", source.display());
    }
    let lock = lock_file(&db)?;
    if lock.try_lock().is_err() {
        bail!("máy chủ Lành Mạng đang chạy trên cơ sở dữ liệu này; hãy dừng máy chủ trước khi khôi phục.");
    }
    // Check the backup on a copy, so that a bad file changes nothing.
    let staged = db.with_extension("restore-tmp");
    std::fs::copy(source, &staged).with_context(|| format!("không sao chép được {}", source.display()))?;
    let check = async {
        let candidate = Store::connect(&format!("sqlite://{}", staged.display()), None).await?;
        let result = async {
            candidate.integrity_check().await?;
            if !candidate.is_migrated().await? {
                bail!("tệp không phải bản sao lưu Lành Mạng cùng phiên bản");
            }
            Ok::<_, anyhow::Error>(candidate.count_units().await?)
        }
        .await;
        candidate.close().await;
        result
    }
    .await;
    let units = match check {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            for ext in ["restore-tmp-wal", "restore-tmp-shm"] {
                let _ = std::fs::remove_file(db.with_extension(ext));
            }
            return Err(e.context(format!("{} không dùng được để khôi phục", source.display())));
        }
    };
    let previous = db.with_extension(format!("db.truoc-khoi-phuc-{}", lanhmang_store::now().unix_timestamp()));
    if db.exists() {
        std::fs::rename(&db, &previous)?;
    }
    for ext in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(db.with_extension(ext));
    }
    std::fs::rename(&staged, &db)?;
    drop(lock);
    Ok(format!(
        "Đã khôi phục từ {} ({} đơn vị). Dữ liệu cũ được giữ tại {}.",
        source.display(),
        units,
        previous.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_grouped() {
        assert_eq!(hex_groups(&[0xab, 0xcd, 0xef, 0x01, 0x23, 0x45]), "abcdef-012345");
    }
}
