//! Hosts that are not schools: gambling sites (`nhacai-NN.fixture.localhost`), a neutral
//! external site (`ext.fixture.localhost`, where paths under `/het-han/` are missing), a CDN
//! (`cdn.fixture.localhost`) and a short index at `fixture.localhost`.

use hyper::{Response, StatusCode};

use super::World;
use super::body::Body;
use super::pages::esc;
use super::server::{ReqInfo, response};
use super::text;

/// The script the CDN serves for every `/js/*.js`; its SRI hash is `World::cdn_sri`.
pub(crate) const CDN_SCRIPT: &str = "/*! fixture jQuery stand-in v3.7.1 */\n(function(w){w.jQuery=w.$=function(s){return document.querySelectorAll(s);};})(window);\n";

pub(crate) fn gambling(n: u32, _req: &ReqInfo) -> Response<Body> {
    let brand = text::brand(n);
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{brand} – Nhà cái uy tín | Cá cược bóng đá, Casino trực tuyến, Nổ hũ</title></head>\n<body>\n<header><h1>{brand}</h1><nav>"
    );
    for p in text::SPAM_PHRASES.iter().take(8) {
        h.push_str(&format!("<a href=\"/{}\">{}</a> ", super::site::slugify(p), p));
    }
    h.push_str("</nav></header>\n<main>\n");
    for s in text::SPAM_SENTENCES {
        h.push_str(&format!("<p>{}</p>\n", esc(&s.replace("{brand}", &brand))));
    }
    h.push_str(
        "<p><a href=\"/dang-ky\">Đăng ký ngay</a> – <a href=\"/dang-nhap\">Đăng nhập</a> – Hotline CSKH 24/7</p>\n<p>Chơi có trách nhiệm. Chỉ dành cho người trên 18 tuổi.</p>\n</main></body></html>\n",
    );
    response(StatusCode::OK, "text/html; charset=utf-8", Body::full(h))
}

pub(crate) fn ext(req: &ReqInfo) -> Response<Body> {
    if req.path.starts_with("/het-han/") {
        let h = "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>404 - Không tìm thấy</title></head><body><h1>Không tìm thấy trang</h1><p>Văn bản đã được gỡ hoặc chuyển địa chỉ.</p></body></html>\n";
        return response(StatusCode::NOT_FOUND, "text/html; charset=utf-8", Body::full(h));
    }
    let title = match req.path.as_str() {
        "/bo-gddt/" => "Bộ Giáo dục và Đào tạo (mô phỏng)",
        "/so-gddt/" => "Sở Giáo dục và Đào tạo (mô phỏng)",
        "/dich-vu-cong/" => "Cổng Dịch vụ công (mô phỏng)",
        "/hoc-lieu/" => "Kho học liệu số (mô phỏng)",
        _ => "Cổng thông tin điện tử (mô phỏng)",
    };
    let h = format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1><p>Trang mô phỏng một website bên ngoài dùng cho kiểm thử.</p><ul><li><a href=\"/van-ban/\">Văn bản chỉ đạo</a></li><li><a href=\"/\">Trang chủ</a></li></ul></body></html>\n"
    );
    response(StatusCode::OK, "text/html; charset=utf-8", Body::full(h))
}

pub(crate) fn cdn(req: &ReqInfo) -> Response<Body> {
    let path = req.path.as_str();
    let mut resp = if path.starts_with("/js/") && path.ends_with(".js") {
        response(
            StatusCode::OK,
            "application/javascript; charset=utf-8",
            Body::full(CDN_SCRIPT),
        )
    } else if path.starts_with("/css/") && path.ends_with(".css") {
        response(
            StatusCode::OK,
            "text/css; charset=utf-8",
            Body::full("body{margin:0}\n"),
        )
    } else {
        return response(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Body::full("Not found\n"),
        );
    };
    resp.headers_mut().insert(
        "access-control-allow-origin",
        hyper::header::HeaderValue::from_static("*"),
    );
    resp.headers_mut().insert(
        "cache-control",
        hyper::header::HeaderValue::from_static("public, max-age=31536000"),
    );
    resp
}

pub(crate) fn index(w: &World) -> Response<Body> {
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Fixture web</title></head><body><h1>Fixture web: {} website trường học mô phỏng</h1><ul>\n",
        w.sites
    );
    for i in 0..w.sites.min(50) {
        let spec = w.spec(i);
        let url = w.manifest_url(&spec);
        h.push_str(&format!("<li><a href=\"{url}\">{}</a></li>\n", spec.host));
    }
    h.push_str("</ul></body></html>\n");
    response(StatusCode::OK, "text/html; charset=utf-8", Body::full(h))
}
