//! The command line, run as a person runs it: the real binary against a fresh database.

use crate::common;

use std::io::Write;
use std::process::{Output, Stdio};

use common::{binary, both_backends};
use lanhmang_store::Store;
use lanhmang_store::test_support::TestDb;

fn run(url: &str, args: &[&str]) -> Output {
    binary()
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .expect("run lanhmang")
}

fn run_with_stdin(url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = binary()
        .arg("--database-url")
        .arg(url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

both_backends!(units_import_is_all_or_nothing);
async fn units_import_is_all_or_nothing(backend: &'static str) {
    {
        let db = TestDb::new(backend).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("don-vi.csv");
        std::fs::write(
            &good,
            "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên,Cấp học,Trạng thái,Website\n\
             SGD,Sở GD&ĐT tỉnh Thử,Sở,,,,\n\
             PHONG1,Phòng VH-XH phường Một,phong,SGD,,,\n\
             TH1,Trường Tiểu học Một,Trường,PHONG1,Tiểu học,Đang hoạt động,th1.example.vn\n\
             THCS1,Trường THCS Một,Trường,PHONG1,THCS,,\n",
        )
        .unwrap();
        let o = run(&db.url, &["units", "import", good.to_str().unwrap()]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        assert!(text(&o).contains("4 đơn vị mới"), "{}", text(&o));

        // A bad file: every error with row and column, nothing written.
        let bad = dir.path().join("loi.csv");
        std::fs::write(
            &bad,
            "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên,Cấp học\n\
             TH2,Trường Tiểu học Hai,Trường,PHONG1,Tiểu học\n\
             TH3,,Trường,PHONG9,\n\
             TH1,Trường Tiểu học Một đổi tên,hợp tác xã,PHONG1,Tiểu học\n",
        )
        .unwrap();
        let o = run(&db.url, &["units", "import", bad.to_str().unwrap()]);
        assert!(!o.status.success(), "{backend}");
        let out = text(&o);
        for expected in [
            "dòng 3, cột Tên đơn vị",
            "dòng 3, cột Cấp học",
            "dòng 3, cột Mã cấp trên",
            "dòng 4, cột Loại",
            "chưa ghi gì",
        ] {
            assert!(out.contains(expected), "{backend}: missing «{expected}» in {out}");
        }
        let store = Store::connect(&db.url, None).await.unwrap();
        assert_eq!(
            store.count_units().await.unwrap(),
            4,
            "{backend}: the bad file wrote nothing"
        );
        assert!(store.unit_by_code("TH2").await.unwrap().is_none());
        assert_eq!(
            store.unit_by_code("TH1").await.unwrap().unwrap().name,
            "Trường Tiểu học Một"
        );

        // XLSX updates by code.
        let xlsx = dir.path().join("cap-nhat.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in [
            "ma_don_vi",
            "ten_don_vi",
            "loai",
            "ma_cap_tren",
            "cap_hoc",
            "trang_thai",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["THCS1", "Trường THCS Một", "school", "PHONG1", "THCS", "Đã đóng"]
            .iter()
            .enumerate()
        {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        wb.save(&xlsx).unwrap();
        let o = run(&db.url, &["units", "import", xlsx.to_str().unwrap()]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        let closed = store.unit_by_code("THCS1").await.unwrap().unwrap();
        assert_eq!(closed.status, lanhmang_domain::UnitStatus::Closed, "{backend}");
        let o = run(&db.url, &["units", "import", "/khong/co/tep.csv"]);
        assert!(!o.status.success() && text(&o).contains("không đọc được tệp"));
        store.close().await;
        db.cleanup().await;
    }
}

both_backends!(users_and_audit_chain_from_the_command_line);
async fn users_and_audit_chain_from_the_command_line(backend: &'static str) {
    {
        let db = TestDb::new(backend).await.unwrap();
        let o = run(&db.url, &["demo"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        assert!(text(&o).contains("demo.principal"));
        let again = run(&db.url, &["demo"]);
        assert!(
            !again.status.success(),
            "{backend}: demo refuses a database that has data"
        );

        let o = run(
            &db.url,
            &[
                "user",
                "add",
                "ct.vien",
                "--name",
                "Cộng Tác Viên",
                "--unit",
                "TH-HOASEN",
                "--role",
                "collaborator",
            ],
        );
        assert!(o.status.success(), "{backend}: {}", text(&o));
        assert!(text(&o).contains("Mật khẩu tạm thời"));
        let o = run(&db.url, &["user", "add", "x.y", "--name", "X", "--unit", "KHONG-CO"]);
        assert!(
            !o.status.success() && text(&o).contains("không có đơn vị mã KHONG-CO"),
            "{}",
            text(&o)
        );
        let o = run(
            &db.url,
            &[
                "user",
                "add",
                "x.y",
                "--name",
                "X",
                "--unit",
                "TH-HOASEN",
                "--role",
                "hoc_sinh",
            ],
        );
        assert!(!o.status.success() && text(&o).contains("vai trò không hợp lệ"));

        let o = run_with_stdin(&db.url, &["user", "passwd", "ct.vien", "--password-stdin"], "123\n");
        assert!(
            !o.status.success() && text(&o).contains("ít nhất 10 ký tự"),
            "{backend}: {}",
            text(&o)
        );
        let o = run_with_stdin(
            &db.url,
            &["user", "passwd", "ct.vien", "--password-stdin"],
            "hoa sen nở giữa hè\n",
        );
        assert!(o.status.success(), "{backend}: {}", text(&o));
        let o = run(&db.url, &["user", "disable", "ct.vien"]);
        assert!(o.status.success(), "{backend}");

        let store = Store::connect(&db.url, None).await.unwrap();
        let person = store.person_by_username("ct.vien").await.unwrap().unwrap();
        assert!(person.disabled && !person.must_change_password, "{backend}");
        let (_, hash) = store.credentials("ct.vien").await.unwrap().unwrap();
        assert!(lanhmang_domain::password::verify("hoa sen nở giữa hè", &hash.unwrap()));

        // The chain holds, then a tampered row is named.
        let o = run(&db.url, &["audit", "verify"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        assert!(text(&o).contains("Nhật ký nguyên vẹn"));
        store
            .execute_raw_for_tests("UPDATE audit_log SET actor = 'ai đó' WHERE seq = 5")
            .await
            .unwrap();
        let o = run(&db.url, &["audit", "verify"]);
        assert!(!o.status.success(), "{backend}");
        assert!(text(&o).contains("mục #5"), "{backend}: {}", text(&o));
        store.close().await;
        db.cleanup().await;
    }
}

#[test]
fn unreachable_database_is_one_clear_sentence() {
    let o = binary()
        .args(["--database-url", "postgres://lanhmang@127.0.0.1:1/khong_co", "migrate"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("Lỗi: Không kết nối được cơ sở dữ liệu (PostgreSQL)"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let o = binary()
        .args(["--database-url", "mysql://x", "migrate"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("Địa chỉ cơ sở dữ liệu không hợp lệ"));
}

#[tokio::test]
async fn sqlite_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let o = binary().args(["--data-dir", data_arg, "demo"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let backup = dir.path().join("sao-luu.db");
    let o = binary()
        .args(["--data-dir", data_arg, "backup", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    // Refuses to overwrite an existing file.
    let o = binary()
        .args(["--data-dir", data_arg, "backup", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());

    // Change the live database, then restore the backup.
    let o = binary()
        .args(["--data-dir", data_arg, "user", "disable", "demo.teacher"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = binary()
        .args(["--data-dir", data_arg, "restore", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let store = Store::connect(&format!("sqlite://{}/lanhmang.db", data_arg), None)
        .await
        .unwrap();
    assert!(
        !store
            .person_by_username("demo.teacher")
            .await
            .unwrap()
            .unwrap()
            .disabled,
        "restored state"
    );
    assert_eq!(store.count_units().await.unwrap(), 26);
    store.close().await;

    // A file that is not a backup is refused and changes nothing.
    let junk = dir.path().join("rac.db");
    std::fs::write(&junk, b"khong phai co so du lieu").unwrap();
    let o = binary()
        .args(["--data-dir", data_arg, "restore", junk.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o));
    let store = Store::connect(&format!("sqlite://{}/lanhmang.db", data_arg), None)
        .await
        .unwrap();
    assert_eq!(store.count_units().await.unwrap(), 26);
    store.close().await;
    // Backup is for SQLite only.
    let o = binary()
        .args(["--database-url", "postgres://x@127.0.0.1:1/y", "backup", "/tmp/x.db"])
        .output()
        .unwrap();
    assert!(!o.status.success() && text(&o).contains("pg_dump"));
}

#[tokio::test]
async fn serve_demo_prints_the_address_and_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = binary()
        .current_dir(dir.path())
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(stdout).lines();
        let first = reader.by_ref().take(4).map(|l| l.unwrap()).collect::<Vec<_>>();
        // Keep reading so the server never writes into a closed pipe.
        std::thread::spawn(move || reader.for_each(drop));
        first
    })
    .await
    .unwrap();
    assert!(
        lines[0].starts_with("Lành Mạng đang chạy tại http://127.0.0.1:"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("lanhmang-demo")), "{lines:?}");
    let url = lines[0]
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    lanhmang_inspect::fetch::install_crypto_provider();
    let ok = reqwest::get(format!("{url}healthz"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(ok, "ok");
    assert!(dir.path().join("data/lanhmang.db").exists(), "default data file");
    // SIGTERM: a graceful stop with exit status 0.
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn inspect_refuses_private_targets_and_bad_addresses() {
    let o = binary()
        .args([
            "inspect",
            "--json",
            "http://127.0.0.1:9/",
            "http://169.254.169.254/latest/meta-data/",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{out}");
    for site in &lines {
        assert_eq!(site["reachable"], false);
        assert_eq!(site["findings"][0]["code"], "blocked_private_address", "{site}");
    }
    assert_eq!(o.status.code(), Some(2), "serious findings give exit status 2");
    let o = binary().args(["inspect", "ftp://truong.edu.vn"]).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("địa chỉ không hợp lệ"));
    let o = binary().args(["inspect"]).output().unwrap();
    assert!(!o.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_reports_json_lines_against_the_fixture_web() {
    use lanhmang_fixture_web::{self as fixture_web, FixtureConfig};
    let web = fixture_web::start(FixtureConfig {
        sites: 12,
        http_port: 0,
        tls_port: Some(0),
        seed: 3,
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &web.ca_pem).unwrap();
    // Sites whose defects show quickly: clean, expired certificate, hidden spam, no HTTPS,
    // outdated CMS, malicious redirect.
    let picked: Vec<&fixture_web::ManifestSite> = [0, 1, 2, 6, 8, 9].iter().map(|i| &web.manifest[*i]).collect();
    let mut args: Vec<String> = vec![
        "inspect".into(),
        "--json".into(),
        "--allow-private".into(),
        "--ca-file".into(),
        ca.display().to_string(),
        "--http-port".into(),
        web.http_addr.port().to_string(),
        "--https-port".into(),
        web.tls_addr.unwrap().port().to_string(),
    ];
    args.extend(picked.iter().map(|s| s.url.clone()));
    let o = tokio::task::spawn_blocking(move || binary().args(&args).output().unwrap())
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let reports: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(reports.len(), picked.len(), "{out}");
    for site in &picked {
        let r = reports
            .iter()
            .find(|r| r["url"] == site.url.as_str())
            .unwrap_or_else(|| panic!("{} missing", site.url));
        for key in [
            "final_url",
            "reachable",
            "status",
            "score",
            "grade",
            "header_tests",
            "tls",
            "findings",
            "feeds",
            "pages_checked",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        let codes: Vec<&str> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        for defect in &site.defects {
            assert!(
                codes.contains(&defect.as_str()),
                "{}: {} not found in {codes:?}",
                site.url,
                defect.as_str()
            );
        }
        for f in r["findings"].as_array().unwrap() {
            assert!(
                !f["message"].as_str().unwrap().is_empty()
                    && f.get("evidence").is_some()
                    && f.get("severity").is_some()
            );
        }
    }
    let clean = reports.iter().find(|r| r["url"] == picked[0].url.as_str()).unwrap();
    assert!(
        clean["grade"].is_string() && clean["header_tests"].as_object().unwrap().len() == 10,
        "{clean}"
    );
    web.shutdown().await;
}
