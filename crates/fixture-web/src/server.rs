//! Listeners and request routing. Each listener serves every virtual host; when TLS is on, each
//! listener also tells TLS from plain HTTP by the first byte, so `http://host:TLS_PORT/` and
//! `https://host:HTTP_PORT/` work too (plain requests are redirected like on the HTTP port).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::body::{self, Body, Bomb};
use super::pages;
use super::scenario::Hostile;
use super::site::{RedirectKind, Site, Spec};
use super::{HostKind, World, external};
use lanhmang_domain::finding::FindingCode as F;

/// What a handler needs from a request.
pub(crate) struct ReqInfo {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub googlebot: bool,
    pub origin: Option<String>,
    pub tls: bool,
    /// The validators a client sends back, for conditional feed requests.
    pub if_none_match: Option<String>,
}

impl ReqInfo {
    fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }
}

pub(crate) fn response(status: StatusCode, content_type: &str, body: Body) -> Response<Body> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    resp
}

pub(crate) fn redirect(status: StatusCode, location: &str) -> Response<Body> {
    let mut resp = response(
        status,
        "text/html; charset=utf-8",
        Body::full(format!(
            "<!DOCTYPE html><html><head><title>Moved</title></head><body><a href=\"{}\">Moved</a></body></html>\n",
            pages::esc(location)
        )),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(hyper::header::LOCATION, v);
    }
    resp
}

/// Accepts connections until `stop` changes, then drops every open connection.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    world: Arc<World>,
    tls: Option<TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                conns.spawn(serve_connection(stream, world.clone(), tls.clone()));
            }
        }
        while conns.try_join_next().is_some() {}
    }
    conns.shutdown().await;
}

/// Counts a connection while it is served.
struct Open(Arc<World>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve_connection(stream: TcpStream, world: Arc<World>, tls: Option<TlsAcceptor>) {
    world.open.fetch_add(1, Ordering::SeqCst);
    let _open = Open(world.clone());
    let Some(acceptor) = tls else {
        return serve_http(stream, world, false).await;
    };
    let mut first = [0u8; 1];
    match tokio::time::timeout(Duration::from_secs(30), stream.peek(&mut first)).await {
        Ok(Ok(1)) if first[0] == 0x16 => {
            if let Ok(Ok(tls_stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                serve_http(tls_stream, world, true).await;
            }
        }
        Ok(Ok(1)) => serve_http(stream, world, false).await,
        _ => {}
    }
}

async fn serve_http<I>(io: I, world: Arc<World>, tls: bool)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req: Request<Incoming>| {
        let world = world.clone();
        async move { Ok::<_, Infallible>(handle(world, req, tls).await) }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(io), service)
        .await;
}

fn host_of(req: &Request<Incoming>) -> String {
    let raw = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let host = match raw.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => raw.as_str(),
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

pub(crate) async fn handle(world: Arc<World>, req: Request<Incoming>, tls: bool) -> Response<Body> {
    let host = host_of(&req);
    let ua = req
        .headers()
        .get(hyper::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let info = ReqInfo {
        method: req.method().clone(),
        path: req.uri().path().to_string(),
        query: req.uri().query().map(str::to_string),
        googlebot: ua.to_ascii_lowercase().contains("googlebot"),
        origin: req
            .headers()
            .get(hyper::header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        tls,
        if_none_match: req
            .headers()
            .get(hyper::header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    route(&world, &host, &info).await
}

/// Answers a request for `host` (already lower-cased, without port).
pub(crate) async fn route(world: &Arc<World>, host: &str, info: &ReqInfo) -> Response<Body> {
    if info.method != Method::GET && info.method != Method::HEAD {
        let mut resp = response(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            Body::full("Method not allowed\n"),
        );
        resp.headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    match world.classify(host) {
        HostKind::Site(i) => site(world, world.spec(i), info).await,
        HostKind::Gambling(n) => external::gambling(n, info),
        HostKind::Ext => external::ext(info),
        HostKind::Cdn => external::cdn(info),
        HostKind::Index => external::index(world),
        HostKind::Unknown => response(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Body::full("Unknown host\n"),
        ),
    }
}

async fn site(world: &Arc<World>, spec: Spec, req: &ReqInfo) -> Response<Body> {
    if spec.has(F::Unreachable) {
        // This site lives on the closed port; the open ports do not know it.
        return response(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Body::full("Unknown host\n"),
        );
    }
    if !req.tls && spec.https && !spec.has(F::NoHttpsRedirect) {
        let target = format!("{}{}", world.origin(true, &spec.host), req.path_and_query());
        return redirect(StatusCode::MOVED_PERMANENTLY, &target);
    }
    let is_home = req.path == "/";
    if let Some(h) = spec.hostile
        && let Some(resp) = hostile(world, &spec, h, req, is_home).await
    {
        return resp;
    }
    if is_home && spec.has(F::SlowResponse) {
        tokio::time::sleep(Duration::from_millis(3500)).await;
    }
    let site = Site::build(world, spec);
    if is_home && site.has(F::HttpError) {
        return pages::server_error(&site, req);
    }
    if is_home && site.has(F::MaliciousRedirect) && site.redirect == RedirectKind::Http302 {
        let resp = redirect(StatusCode::FOUND, &site.redirect_target());
        return pages::with_site_headers(&site, req, resp, false);
    }
    pages::respond(&site, req)
}

const DRIP: &[u8] = b"<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Trang ch\xe1\xbb\xa7</title></head><body>\n";

async fn hostile(world: &World, spec: &Spec, kind: Hostile, req: &ReqInfo, is_home: bool) -> Option<Response<Body>> {
    let html = "text/html; charset=utf-8";
    match kind {
        Hostile::RedirectLoop => {
            let pq = req.path_and_query();
            let origin = world.origin(spec.https, &spec.host);
            if spec.pick(37, 2) == 0 {
                // A cycle of three addresses.
                let next = match pq.as_str() {
                    "/" => "/trang-chu/",
                    "/trang-chu/" => "/index.php",
                    _ => "/",
                };
                Some(redirect(StatusCode::MOVED_PERMANENTLY, &format!("{origin}{next}")))
            } else {
                // An endless chain of new addresses.
                let n: u64 = req
                    .query
                    .as_deref()
                    .and_then(|q| q.strip_prefix("trang="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                Some(redirect(StatusCode::FOUND, &format!("{origin}/?trang={}", n + 1)))
            }
        }
        Hostile::HugeBody if is_home => Some(response(StatusCode::OK, html, body::huge_page(spec.pick(41, 2) == 0))),
        Hostile::GzipBomb if is_home => {
            let bomb = world
                .bomb
                .get_or_init(|| async {
                    Arc::new(
                        tokio::task::spawn_blocking(|| Bomb::build(16))
                            .await
                            .expect("bomb builds"),
                    )
                })
                .await;
            let mut resp = response(StatusCode::OK, html, bomb.body());
            resp.headers_mut()
                .insert(hyper::header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            resp.headers_mut()
                .insert(hyper::header::VARY, HeaderValue::from_static("Accept-Encoding"));
            Some(resp)
        }
        Hostile::SlowDrip if is_home => Some(response(StatusCode::OK, html, Body::drip(DRIP, Duration::from_secs(1)))),
        Hostile::HugeHeaders if is_home => {
            let site = Site::build(world, spec.clone());
            let mut resp = pages::respond(&site, req);
            let filler = "x".repeat(4000);
            for k in 0..50 {
                let name = HeaderName::from_bytes(format!("x-debug-trace-{k:02}").as_bytes()).ok()?;
                resp.headers_mut().insert(name, HeaderValue::from_str(&filler).ok()?);
            }
            Some(resp)
        }
        _ => None,
    }
}
