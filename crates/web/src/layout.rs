//! The frame around every page: title, navigation by role, the signed-in person, notices.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use lanhmang_domain::Action;
use lanhmang_domain::permission::can_somewhere;

use crate::auth::Identity;
use crate::error::AppError;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub struct Layout {
    pub title: String,
    pub signed_in: bool,
    pub display_name: String,
    pub role_summary: String,
    pub nav: Vec<NavItem>,
    /// Notifications, kept beside the menu button so a phone reaches them in one tap.
    pub notices: Option<NavItem>,
    pub csrf: String,
    pub notice: Option<&'static str>,
    /// Who the action in `notice` told ("Đã báo cho …"), shown with it.
    pub told: String,
    pub asset_version: &'static str,
}

impl Layout {
    /// The frame for a signed-in person; `section` is the nav entry to mark.
    pub fn new(title: impl Into<String>, identity: &Identity, section: &str) -> Layout {
        let mut nav = vec![("/", "Trang chủ", None)];
        nav.push(("/ke-hoach", "Kế hoạch", Some(Action::ViewPlans)));
        // Anyone may be addressed a notice; the list says so when none has come.
        nav.push(("/van-ban", "Văn bản", None));
        nav.push(("/don-vi", "Đơn vị", Some(Action::ViewUnit)));
        nav.push(("/nguoi-dung", "Người dùng", Some(Action::ViewPeople)));
        nav.push(("/hoat-dong", "Hoạt động", Some(Action::ViewActivities)));
        nav.push(("/bai-hoc", "Bài học", Some(Action::ViewLessons)));
        nav.push(("/tap-huan", "Tập huấn", None));
        nav.push(("/lop-hoc", "Lớp và cha mẹ", Some(Action::ReachParents)));
        nav.push(("/cha-me", "Cho cha mẹ", None));
        nav.push(("/su-co", "Sự cố", Some(Action::ReportIncidents)));
        nav.push(("/dinh-chinh", "Đính chính", Some(Action::WriteClarifications)));
        // Writers and both kinds of approvers open the stories; one action cannot say so.
        if [
            Action::WriteStories,
            Action::PublishSchoolStories,
            Action::PublishOfficeStories,
        ]
        .iter()
        .any(|a| can_somewhere(&identity.permissions, *a))
        {
            nav.push(("/cau-chuyen", "Câu chuyện", None));
        }
        nav.push(("/su-co/loai", "Loại sự việc", Some(Action::ManageIncidentCategories)));
        nav.push((
            "/su-co/gio-lam-viec",
            "Giờ làm việc",
            Some(Action::ManageIncidentCategories),
        ));
        nav.push(("/tin-tuc", "Tin tức", Some(Action::ViewNews)));
        nav.push(("/tong-hop-nam", "Tổng hợp", Some(Action::ViewDashboard)));
        nav.push(("/giam-sat", "Website", Some(Action::ViewSites)));
        nav.push(("/thu-di", "Thư đi", Some(Action::ViewOutbox)));
        nav.push(("/ket-noi", "Kết nối", Some(Action::ManageWebhooks)));
        nav.push(("/nhat-ky", "Nhật ký", Some(Action::ViewAudit)));
        nav.push(("/tai-khoan", "Tài khoản", None));
        let nav = nav
            .into_iter()
            .filter(|(_, _, need)| need.is_none_or(|a| can_somewhere(&identity.permissions, a)))
            .map(|(href, label, _)| NavItem {
                href,
                label,
                active: href == section,
            })
            .collect();
        let notices = Some(NavItem {
            href: "/thong-bao",
            label: "Thông báo",
            active: section == "/thong-bao",
        });
        let mut roles: Vec<&str> = identity.grants.iter().map(|g| g.role.label()).collect();
        roles.dedup();
        Layout {
            title: title.into(),
            signed_in: true,
            display_name: identity.person.display_name.clone(),
            role_summary: roles.join(", "),
            nav,
            notices,
            csrf: crate::csrf_token::mask(identity.csrf()),
            notice: None,
            told: String::new(),
            asset_version: crate::static_files::ASSET_VERSION,
        }
    }

    /// The frame for someone not signed in.
    pub fn anonymous(title: impl Into<String>, csrf: String) -> Layout {
        Layout {
            title: title.into(),
            signed_in: false,
            display_name: String::new(),
            role_summary: String::new(),
            nav: Vec::new(),
            notices: None,
            csrf: crate::csrf_token::mask(&csrf),
            notice: None,
            told: String::new(),
            asset_version: crate::static_files::ASSET_VERSION,
        }
    }

    /// Shows the notice named by a `?tb=` code after a redirect.
    pub fn with_notice(mut self, code: Option<&str>) -> Layout {
        self.notice = code.and_then(notice_text);
        self
    }

    /// Adds who the action just shown told ("Đã báo cho …") to its notice, when one is shown.
    pub fn and_told(mut self, told: &str) -> Layout {
        if self.notice.is_some() {
            self.told = told.to_string();
        }
        self
    }
}

/// Notices shown after an action redirects back (Post/Redirect/Get).
fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "da-luu" => "Đã lưu thay đổi.",
        "da-tao" => "Đã tạo mới.",
        "da-doi-mat-khau" => "Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã được đăng xuất.",
        "da-cap-quyen" => "Đã thêm vai trò.",
        "da-thu-hoi" => "Đã thu hồi vai trò.",
        "da-khoa" => "Đã khóa tài khoản; mọi phiên đăng nhập của tài khoản này đã kết thúc.",
        "da-mo-khoa" => "Đã mở khóa tài khoản.",
        "da-dang-xuat" => "Bạn đã đăng xuất.",
        "het-phien" => "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
        "da-ban-hanh" => "Đã ban hành kế hoạch. Các trường trực thuộc đã thấy kế hoạch này.",
        "da-gui" => {
            "Đã gửi tới Phòng. Khi Phòng duyệt hoặc trả lại, bạn sẽ nhận được thông báo trên Lành Mạng \
                     (và qua e-mail nếu tài khoản của bạn có địa chỉ e-mail)."
        }
        // Who a review told is added by the page from what was recorded with it.
        "da-duyet" => "Đã duyệt.",
        "da-tra-lai" => "Đã trả lại kèm ý kiến của bạn.",
        "da-mo-lai" => "Đã mở lại báo cáo; việc mở lại đã được ghi vào nhật ký hệ thống.",
        "da-de-nghi-mo-lai" => "Đã gửi đề nghị mở lại báo cáo tới Phòng.",
        _ => return None,
    })
}

pub fn render(template: &impl Template) -> Result<Response, AppError> {
    Ok(Html(template.render()?).into_response())
}

/// A form page: 422 when it shows problems, so a refused submission is never read as a success.
pub fn render_form(template: &impl Template, invalid: bool) -> Result<Response, AppError> {
    let mut response = render(template)?;
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// Field errors of a form, shown beside their fields.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Puts a use case's problems beside their fields (`form` when a problem names none);
    /// several problems of one field read as one message.
    pub fn add_problems(&mut self, problems: Vec<lanhmang_app::Problem>) {
        for p in problems {
            let field = p.field.unwrap_or_else(|| "form".into());
            match self.0.iter_mut().find(|(f, _)| *f == field) {
                Some((_, m)) => {
                    m.push(' ');
                    m.push_str(&p.message);
                }
                None => self.add(&field, p.message),
            }
        }
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }
}

/// The button that opens a list's filters, saying how many are in use (`filter_box.html`).
/// The box starts closed so that on a phone the results come first; a wide screen shows the
/// form anyway (app.css).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterBox {
    pub active: usize,
}

impl FilterBox {
    /// Counts the filters given a value; a parameter that only carries the page's context
    /// (a tab, a month) is not a filter and is not passed here.
    pub fn of(values: &[&str]) -> FilterBox {
        FilterBox {
            active: values.iter().filter(|v| !v.trim().is_empty()).count(),
        }
    }

    /// Counts the filters that are applied, one flag each.
    pub fn count(applied: &[bool]) -> FilterBox {
        FilterBox {
            active: applied.iter().filter(|a| **a).count(),
        }
    }

    pub fn label(&self) -> String {
        match self.active {
            0 => "Bộ lọc".to_string(),
            n => format!("Bộ lọc ({n} đang dùng)"),
        }
    }
}

/// Links to the pages of a paginated list, keeping the other query parameters.
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(base: &str, params: &[(&str, String)], paging: lanhmang_domain::Paging, total: i64) -> Pager {
        let pages = paging.page_count(total);
        let link = |page: u32| {
            let mut query: Vec<String> = params
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={}", crate::format::url_encode(v)))
                .collect();
            query.push(format!("page={page}"));
            format!("{base}?{}", query.join("&"))
        };
        Pager {
            page: paging.page,
            pages,
            total,
            prev: (paging.page > 1).then(|| link(paging.page - 1)),
            next: (paging.page < pages).then(|| link(paging.page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FilterBox;

    #[test]
    fn filter_box_counts_only_filters_with_a_value() {
        assert_eq!(FilterBox::of(&["", "  ", "x"]).active, 1);
        assert_eq!(FilterBox::of(&[]).label(), "Bộ lọc");
        assert_eq!(FilterBox::of(&["a", "b"]).label(), "Bộ lọc (2 đang dùng)");
    }
}
