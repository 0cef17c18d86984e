//! `lanhmang`: the web application, the workers and the command line in one binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lanhmang::commands;
use lanhmang::config::{Config, Layer};
use lanhmang::demo;
use lanhmang::server;

#[derive(Parser)]
#[command(
    name = "lanhmang",
    version,
    about = "Lành Mạng: kế hoạch sử dụng mạng xã hội, điện thoại và Internet lành mạnh trong trường học"
)]
struct Cli {
    /// Tệp cấu hình (mặc định: ./lanhmang.toml nếu có).
    #[arg(long, global = true, env = "LANHMANG_CONFIG")]
    config: Option<PathBuf>,
    /// Thư mục dữ liệu (chứa tệp SQLite lanhmang.db).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Địa chỉ cơ sở dữ liệu: sqlite://… hoặc postgres://…
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Chạy ứng dụng web (và các tiến trình nền).
    Serve {
        /// Địa chỉ lắng nghe, ví dụ 127.0.0.1:8080.
        #[arg(long)]
        bind: Option<String>,
        /// Dùng dữ liệu mẫu (tạo nếu cơ sở dữ liệu trống).
        #[arg(long)]
        demo: bool,
    },
    /// Chỉ chạy các tiến trình nền (hàng đợi công việc), không phục vụ web.
    Worker,
    /// Cập nhật cấu trúc cơ sở dữ liệu.
    Migrate,
    /// Tạo dữ liệu mẫu trong cơ sở dữ liệu trống.
    Demo,
    /// Dựng lại chỉ mục tìm kiếm tin tức từ bảng tin. Với SQLite, chỉ mục nằm trong cơ sở dữ
    /// liệu và được ghi lại toàn bộ; với PostgreSQL, mỗi tiến trình `serve` tự dựng chỉ mục riêng
    /// khi khởi động (khởi động lại là dựng lại), lệnh này dựng thử một bản và cho biết thời gian.
    NewsIndex,
    /// In cấu hình đang dùng (đã ẩn mật khẩu).
    Config,
    /// Đơn vị.
    Units {
        #[command(subcommand)]
        action: UnitsAction,
    },
    /// Tài khoản người dùng.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Nhật ký hệ thống.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Kiểm tra website: truy cập, HTTPS, tiêu đề bảo mật, nội dung, dấu hiệu bị tấn công, liên kết.
    Inspect {
        /// Địa chỉ website (có thể nhiều).
        urls: Vec<String>,
        /// Tệp danh sách địa chỉ, mỗi dòng một địa chỉ.
        #[arg(long)]
        from_file: Option<PathBuf>,
        /// In kết quả dạng JSON, mỗi website một dòng.
        #[arg(long)]
        json: bool,
        /// Cho phép kiểm tra địa chỉ trong mạng nội bộ.
        #[arg(long)]
        allow_private: bool,
        /// Số trang tối đa xem trên mỗi website.
        #[arg(long)]
        max_pages: Option<usize>,
        /// Số website kiểm tra cùng lúc.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Chứng chỉ gốc tin cậy bổ sung (PEM).
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// Cổng http:// của các website (mặc định 80).
        #[arg(long, hide = true)]
        http_port: Option<u16>,
        /// Cổng https:// của các website (mặc định 443).
        #[arg(long, hide = true)]
        https_port: Option<u16>,
    },
    /// Chạy các website trường học mô phỏng trên 127.0.0.1 (cho kiểm thử, bản demo và đo hiệu năng).
    FixtureWeb {
        /// Số website mô phỏng.
        #[arg(long, default_value_t = 50)]
        sites: usize,
        /// Cổng HTTP (0: cổng trống bất kỳ).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Cổng HTTPS (0: cổng trống bất kỳ; bỏ trống: không có HTTPS).
        #[arg(long)]
        tls_port: Option<u16>,
        /// Tệp JSON ghi danh sách website và lỗi đã cài vào từng website.
        #[arg(long)]
        manifest: PathBuf,
        /// Tệp ghi chứng chỉ gốc (PEM) mà bộ kiểm tra cần tin cậy.
        #[arg(long)]
        ca_out: Option<PathBuf>,
        /// Hạt giống sinh dữ liệu (cùng hạt giống, cùng website).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Sao lưu cơ sở dữ liệu SQLite (bản sao nhất quán, khi máy chủ vẫn chạy).
    Backup { file: PathBuf },
    /// Khôi phục cơ sở dữ liệu SQLite từ bản sao lưu (dừng máy chủ trước).
    Restore { file: PathBuf },
}

#[derive(Subcommand)]
enum UnitsAction {
    /// Nhập hoặc cập nhật đơn vị theo mã từ tệp CSV hoặc XLSX.
    Import {
        file: PathBuf,
        /// Chỉ kiểm tra tệp, không ghi.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Tạo tài khoản.
    Add {
        username: String,
        /// Họ và tên.
        #[arg(long)]
        name: String,
        /// Mã đơn vị công tác.
        #[arg(long)]
        unit: String,
        /// Vai trò tại đơn vị đó (ví dụ: principal, office_admin, system_admin).
        #[arg(long)]
        role: Option<String>,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// Đọc mật khẩu từ đầu vào chuẩn (mặc định: tạo mật khẩu tạm thời).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Đặt mật khẩu mới.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Khóa tài khoản.
    Disable { username: String },
    /// Mở khóa tài khoản.
    Enable { username: String },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Kiểm tra chuỗi mã băm và chữ ký đầu chuỗi của nhật ký.
    Verify,
    /// Ký lại đầu chuỗi nhật ký sau khi đã điều tra (hoặc khi mất khóa); việc này được ghi vào nhật ký.
    Accept {
        /// Lý do (được lưu trong nhật ký).
        #[arg(long)]
        reason: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One TLS stack for the whole process: rustls on ring.
    lanhmang_inspect::fetch::install_crypto_provider();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Lỗi: không khởi động được: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("LANHMANG_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut flags = Layer {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        ..Default::default()
    };
    if let Command::Serve { bind: Some(bind), .. } = &cli.command {
        flags.bind = Some(bind.clone());
    }
    let config = Config::resolve(
        flags,
        Layer::from_env(std::env::vars())?,
        Config::read_file(cli.config.as_deref())?,
    )?;
    match cli.command {
        Command::Serve { demo: with_demo, .. } => serve(config, with_demo).await,
        Command::Worker => {
            init_logging(&config);
            let stop = server::shutdown_signal();
            let mailer = server::mailer(&config)?;
            let supervision = server::supervision(&config, server::inspect_config(&config)?)?;
            let store = std::sync::Arc::new(server::open_store(&config).await?);
            let settings = server::job_settings(&config);
            let (tx, rx) = tokio::sync::watch::channel(false);
            let worker = tokio::spawn(
                lanhmang_jobs::Worker::new(store.clone(), server::worker_name("worker"), settings.clone())
                    .with_app_settings(config.app_settings())
                    .with_mailer(mailer)
                    .with_supervision(Some(supervision))
                    .run_all(rx.clone()),
            );
            let scheduler = tokio::spawn(lanhmang_jobs::Scheduler::new(store.clone(), settings).run(rx));
            eprintln!("Tiến trình nền đang chạy. Nhấn Ctrl+C để dừng.");
            stop.await;
            let _ = tx.send(true);
            let _ = worker.await;
            let _ = scheduler.await;
            store.close().await;
            Ok(())
        }
        Command::Migrate => {
            // An upgrade's first start is often this command: what it records must be seen.
            init_logging(&config);
            let store = server::open_store(&config).await?;
            println!("Cơ sở dữ liệu ({}) đã ở phiên bản mới nhất.", store.backend_name());
            store.close().await;
            Ok(())
        }
        Command::NewsIndex => {
            let store = server::open_store(&config).await?;
            let started = std::time::Instant::now();
            let result = store.build_news_index().await;
            store.close().await;
            let entries = result?;
            println!(
                "Đã dựng chỉ mục tìm kiếm tin tức ({}): {entries} tin, trong {:.1} giây.",
                store.backend_name(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Demo => {
            let store = server::open_store(&config).await?;
            let result = demo::seed(&store).await;
            store.close().await;
            result?;
            print_demo_accounts();
            Ok(())
        }
        Command::Config => {
            print!("{}", config.describe());
            Ok(())
        }
        Command::Units {
            action: UnitsAction::Import { file, dry_run },
        } => {
            with_store(&config, |store| async move {
                commands::units_import(&store, &file, dry_run).await.map(|m| (store, m))
            })
            .await
        }
        Command::User { action } => {
            with_store(&config, |store| async move {
                let message = match action {
                    UserAction::Add {
                        username,
                        name,
                        unit,
                        role,
                        email,
                        phone,
                        password_stdin,
                    } => {
                        commands::user_add(
                            &store,
                            commands::NewUser {
                                username,
                                name,
                                unit_code: unit,
                                role,
                                email,
                                phone,
                                password_stdin,
                            },
                        )
                        .await
                    }
                    UserAction::Passwd {
                        username,
                        password_stdin,
                    } => commands::user_passwd(&store, &username, password_stdin).await,
                    UserAction::Disable { username } => commands::user_set_disabled(&store, &username, true).await,
                    UserAction::Enable { username } => commands::user_set_disabled(&store, &username, false).await,
                };
                message.map(|m| (store, m))
            })
            .await
        }
        Command::Audit { action } => {
            // Not `with_store`: these must run on a log whose head no longer matches its key.
            let (store, _) = server::open_store_unchecked(&config).await?;
            let result = match action {
                AuditAction::Verify => commands::audit_verify(&store).await,
                AuditAction::Accept { reason } => commands::audit_accept(&store, &reason).await,
            };
            store.close().await;
            println!("{}", result?);
            Ok(())
        }
        Command::Backup { file } => {
            commands::sqlite_path(&config)?;
            with_store(&config, |store| async move {
                commands::backup(&store, &file).await.map(|m| (store, m))
            })
            .await
        }
        Command::Inspect {
            urls,
            from_file,
            json,
            allow_private,
            max_pages,
            concurrency,
            ca_file,
            http_port,
            https_port,
        } => {
            let clean = lanhmang::inspect_cli::run(
                lanhmang::inspect_cli::InspectArgs {
                    urls,
                    from_file,
                    json,
                    allow_private,
                    max_pages,
                    concurrency,
                    ca_file,
                    http_port,
                    https_port,
                },
                &config.inspect,
            )
            .await?;
            if !clean {
                std::process::exit(2);
            }
            Ok(())
        }
        Command::FixtureWeb {
            sites,
            port,
            tls_port,
            manifest,
            ca_out,
            seed,
        } => {
            use lanhmang_fixture_web::{self as fixture_web, FixtureConfig};
            let stop = server::shutdown_signal();
            let web = fixture_web::start(FixtureConfig {
                sites,
                http_port: port,
                tls_port,
                seed,
            })
            .await
            .map_err(|e| anyhow::anyhow!("không chạy được website mô phỏng: {e}"))?;
            web.write_manifest(&manifest)?;
            if let Some(ca) = &ca_out {
                std::fs::write(ca, &web.ca_pem)?;
            }
            say(format_args!(
                "Website mô phỏng: {sites} website, HTTP tại {}",
                web.http_addr
            ));
            if let Some(tls) = web.tls_addr {
                say(format_args!("HTTPS tại {tls}"));
            }
            say(format_args!("Danh sách và lỗi đã cài: {}", manifest.display()));
            say(format_args!("Nhấn Ctrl+C để dừng."));
            stop.await;
            web.shutdown().await;
            Ok(())
        }
        Command::Restore { file } => {
            let message = commands::restore(&config, &file).await?;
            println!("{message}");
            Ok(())
        }
    }
}

/// Opens the store, runs `f`, prints its message, closes the store.
async fn with_store<F, Fut>(config: &Config, f: F) -> anyhow::Result<()>
where
    F: FnOnce(lanhmang_store::Store) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<(lanhmang_store::Store, String)>>,
{
    let store = server::open_store(config).await?;
    let (store, message) = f(store).await?;
    store.close().await;
    println!("{message}");
    Ok(())
}

/// Prints a line for whoever started the server. A closed stdout (a pipe whose reader went away)
/// must not stop a running server, so write errors are ignored where `println!` would panic.
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn print_demo_accounts() {
    say(format_args!("Tài khoản mẫu (mật khẩu chung: {}):", demo::DEMO_PASSWORD));
    for (username, name, role, _) in demo::DEMO_ACCOUNTS {
        say(format_args!("  {username:<18} {} — {name}", role.label()));
    }
}

async fn serve(mut config: Config, with_demo: bool) -> anyhow::Result<()> {
    init_logging(&config);
    if config.public_url.is_none() && with_demo {
        // The demo's e-mails link back to the demo itself.
        let host = if config.bind.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            config.bind.ip()
        };
        config.public_url = Some(format!(
            "http://{}",
            std::net::SocketAddr::new(host, config.bind.port())
        ));
    }
    // Held for as long as the server runs, so that `restore` cannot swap the file under it.
    let _lock = match lanhmang_store::sqlite_file(&config.database_url) {
        Some(db) => {
            let f = commands::lock_file(&db)?;
            f.try_lock_shared()
                .map_err(|_| anyhow::anyhow!("cơ sở dữ liệu đang được khôi phục; hãy thử lại sau"))?;
            Some(f)
        }
        None => None,
    };
    let stop = server::shutdown_signal();
    let store = server::open_store(&config).await?;
    let seeded = if with_demo { demo::ensure(&store).await? } else { false };
    let mut inspect = server::inspect_config(&config)?;
    let demo_web = if with_demo {
        let web = demo::start_web().await?;
        let n = demo::register_websites(&store, &web).await?;
        inspect = demo::inspect_config(inspect, &web);
        Some((web, n))
    } else {
        None
    };
    let running = server::start_with(&config, store, inspect).await?;
    say(format_args!(
        "Lành Mạng đang chạy tại http://{}/ (cơ sở dữ liệu: {})",
        running.addr,
        lanhmang_store::redact_url(&config.database_url)
    ));
    if let Some(warning) = config.exposure_warning() {
        tracing::warn!(bind = %config.bind, "public_url is not https and the server listens beyond this machine");
        say(format_args!("{warning}"));
    }
    if with_demo {
        if seeded {
            say(format_args!("Đã tạo dữ liệu mẫu: 1 Sở, 1 Phòng, 24 trường."));
        }
        if let Some((web, n)) = &demo_web {
            say(format_args!(
                "Các website mẫu chạy tại 127.0.0.1:{}; đang kiểm tra {n} website, kết quả có sau khoảng một phút.",
                web.http_addr.port()
            ));
        }
        print_demo_accounts();
    }
    if config.public_url.is_none() {
        tracing::warn!("public_url is not set: links in e-mails cannot be clicked");
        say(format_args!(
            "Chú ý: chưa đặt địa chỉ công khai (public_url), nên liên kết trong e-mail không bấm được. \
             Hãy đặt public_url = \"https://…\" trong lanhmang.toml hoặc biến LANHMANG_PUBLIC_URL."
        ));
    }
    say(format_args!("Nhấn Ctrl+C để dừng."));
    stop.await;
    tracing::info!("shutting down");
    let stopped = running.stop().await;
    if let Some((web, _)) = demo_web {
        web.shutdown().await;
    }
    stopped
}
