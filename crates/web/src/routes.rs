//! The route registry: a route cannot be added without the permission it needs.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use lanhmang_domain::Action;
use lanhmang_domain::permission::can_somewhere;

use crate::auth::Identity;
use crate::error::{ApiError, AppError};
use crate::{AppState, api, ops, pages, static_files};

/// What a route needs from the person asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person.
    SignedIn,
    /// A signed-in person holding a role that allows this action somewhere; the handler then
    /// checks the action against the unit it touches.
    Permission(Action),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub need: Need,
}

pub struct Routes {
    by_path: BTreeMap<&'static str, MethodRouter<AppState>>,
    table: Vec<RouteInfo>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            by_path: BTreeMap::new(),
            table: Vec::new(),
        }
    }

    fn add<H, T>(mut self, method: &'static str, path: &'static str, need: Need, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = match method {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            "PUT" => MethodFilter::PUT,
            "DELETE" => MethodFilter::DELETE,
            other => panic!("unsupported method {other} for {path}"),
        };
        let api = path.starts_with("/api/");
        let guarded: MethodRouter<AppState> = on(filter, handler)
            .route_layer(from_fn_with_state((need, api), enforce))
            .route_layer(axum::middleware::from_fn(crate::middleware::record_metrics));
        let merged = match self.by_path.remove(path) {
            Some(existing) => existing.merge(guarded),
            None => guarded,
        };
        self.by_path.insert(path, merged);
        self.table.push(RouteInfo { method, path, need });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, need: Need, h: H) -> Routes {
        self.add("GET", path, need, h)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, need: Need, h: H) -> Routes {
        self.add("POST", path, need, h)
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, need: Need, h: H) -> Routes {
        self.add("PUT", path, need, h)
    }

    pub fn into_router(self, state: AppState) -> Router {
        let mut router = Router::new();
        for (path, method_router) in self.by_path {
            let method_router = if path.starts_with("/api/") {
                // A wrong method on an API address answers the documented error object, with Allow.
                let mut methods: Vec<&str> = self.table.iter().filter(|r| r.path == path).map(|r| r.method).collect();
                if methods.contains(&"GET") {
                    methods.push("HEAD");
                }
                let allow = methods.join(", ");
                method_router.fallback(move || {
                    let allow = allow.clone();
                    async move { ApiError::MethodNotAllowed { allow }.into_response() }
                })
            } else {
                method_router
            };
            router = router.route(path, method_router);
        }
        router.fallback(not_found).with_state(state)
    }

    pub fn table(&self) -> Vec<RouteInfo> {
        self.table.clone()
    }
}

async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        ApiError::NotFound.into_response()
    } else {
        AppError::NotFound.into_response()
    }
}

/// Refuses a request whose sender does not meet the route's need.
async fn enforce(State((need, api)): State<(Need, bool)>, request: Request, next: Next) -> Response {
    let identity = request.extensions().get::<Identity>();
    let refusal = match (need, identity) {
        (Need::Public, _) => None,
        (_, None) => Some(if api {
            ApiError::Unauthorized.into_response()
        } else {
            login_redirect(&request)
        }),
        (Need::SignedIn, Some(_)) => None,
        (Need::Permission(action), Some(id)) if can_somewhere(&id.permissions, action) => None,
        (Need::Permission(_), Some(_)) => Some(if api {
            ApiError::Forbidden.into_response()
        } else {
            AppError::Forbidden.into_response()
        }),
    };
    if let Some(response) = refusal {
        return response;
    }
    // A password set by an administrator must be replaced before anything else.
    if let Some(id) = identity
        && !api
        && id.person.must_change_password
        && need != Need::Public
        && !matches!(request.uri().path(), "/tai-khoan/mat-khau" | "/dang-xuat")
    {
        return axum::response::Redirect::to("/tai-khoan/mat-khau").into_response();
    }
    next.run(request).await
}

fn login_redirect(request: &Request) -> Response {
    let target = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let next = if request.method() == axum::http::Method::GET && target != "/" {
        format!("?next={}", crate::format::url_encode(target))
    } else {
        String::new()
    };
    axum::response::Redirect::to(&format!("/dang-nhap{next}")).into_response()
}

/// Every route of the application.
pub fn build() -> Routes {
    use Need::*;
    use pages::{account, audit_log, home, login, people, plans, supervision as sup, units};
    Routes::new()
        // Operations.
        .get("/healthz", Public, ops::healthz)
        .get("/readyz", Public, ops::readyz)
        .get("/metrics", Public, ops::metrics)
        .get("/static/{file}", Public, static_files::serve)
        // Signing in and out.
        .get("/dang-nhap", Public, login::form)
        .post("/dang-nhap", Public, login::submit)
        .post("/dang-xuat", SignedIn, login::logout)
        // Home and own account.
        // Public: a visitor on a school's own domain reads its public page (the handler sends
        // anyone else to sign in).
        .get("/", Public, home::page)
        .get("/tai-khoan", SignedIn, account::profile)
        .post("/tai-khoan", SignedIn, account::update_profile)
        .get("/tai-khoan/mat-khau", SignedIn, account::password_form)
        .post("/tai-khoan/mat-khau", SignedIn, account::change_password)
        // Units.
        .get("/don-vi", Permission(Action::ViewUnit), units::list)
        .get("/don-vi/moi", Permission(Action::ManageUnits), units::new_form)
        .post("/don-vi/moi", Permission(Action::ManageUnits), units::create)
        .get("/don-vi/nhap", Permission(Action::ManageUnits), units::import_form)
        .post("/don-vi/nhap", Permission(Action::ManageUnits), units::import)
        .get(
            "/don-vi/nhap/mau.csv",
            Permission(Action::ManageUnits),
            units::import_sample,
        )
        .get("/don-vi/{id}", Permission(Action::ViewUnit), units::show)
        .get("/don-vi/{id}/sua", Permission(Action::ManageUnits), units::edit_form)
        .post("/don-vi/{id}/sua", Permission(Action::ManageUnits), units::update)
        // People. Managing people is open to everyone who manages some of them (a principal
        // appoints the school's collaborators and parent representatives): the use case decides
        // per person and per role.
        .get("/nguoi-dung", Permission(Action::ViewPeople), people::list)
        .get(
            "/nguoi-dung/moi",
            Permission(Action::ManageSchoolCommunity),
            people::new_form,
        )
        .post(
            "/nguoi-dung/moi",
            Permission(Action::ManageSchoolCommunity),
            people::create,
        )
        .get("/nguoi-dung/{id}", Permission(Action::ViewPeople), people::show)
        .post(
            "/nguoi-dung/{id}",
            Permission(Action::ManageSchoolCommunity),
            people::update,
        )
        .post(
            "/nguoi-dung/{id}/vai-tro",
            Permission(Action::ManageSchoolCommunity),
            people::add_role,
        )
        .post(
            "/nguoi-dung/{id}/vai-tro/{grant_id}/xoa",
            Permission(Action::ManageSchoolCommunity),
            people::remove_role,
        )
        .post(
            "/nguoi-dung/{id}/dat-lai-mat-khau",
            Permission(Action::ManageSchoolCommunity),
            people::reset_password,
        )
        .post(
            "/nguoi-dung/{id}/khoa",
            Permission(Action::ManageSchoolCommunity),
            people::set_disabled,
        )
        // Activity log.
        .get(
            "/hoat-dong",
            Permission(Action::ViewActivities),
            pages::activities::list,
        )
        .get(
            "/hoat-dong/lich",
            Permission(Action::ViewActivities),
            pages::activities::calendar,
        )
        .get(
            "/hoat-dong/xuat.xlsx",
            Permission(Action::ViewActivities),
            pages::activities::export,
        )
        .get(
            "/hoat-dong/moi",
            Permission(Action::LogActivities),
            pages::activities::new_form,
        )
        .post(
            "/hoat-dong/moi",
            Permission(Action::LogActivities),
            pages::activities::create.layer(pages::activities::upload_body_limit()),
        )
        .get(
            "/hoat-dong/{id}",
            Permission(Action::ViewActivities),
            pages::activities::show,
        )
        // Editing is open to more people than logging (principals, reviewing office staff):
        // the handler decides per activity.
        .get(
            "/hoat-dong/{id}/sua",
            Permission(Action::ViewActivities),
            pages::activities::edit_form,
        )
        .post(
            "/hoat-dong/{id}/sua",
            Permission(Action::ViewActivities),
            pages::activities::update.layer(pages::activities::upload_body_limit()),
        )
        .post(
            "/hoat-dong/{id}/xoa",
            Permission(Action::ViewActivities),
            pages::activities::delete,
        )
        .get(
            "/minh-chung/{id}",
            Permission(Action::ViewActivities),
            pages::activities::download,
        )
        // Plans, schools' plans and reports.
        .get("/ke-hoach", Permission(Action::ViewPlans), plans::list)
        .get("/ke-hoach/moi", Permission(Action::ManagePlans), plans::new_form)
        .post("/ke-hoach/moi", Permission(Action::ManagePlans), plans::create)
        .get("/ke-hoach/{id}", Permission(Action::ViewPlans), plans::show)
        .get("/ke-hoach/{id}/sua", Permission(Action::ManagePlans), plans::edit_form)
        .post("/ke-hoach/{id}/sua", Permission(Action::ManagePlans), plans::update)
        .post(
            "/ke-hoach/{id}/ban-hanh",
            Permission(Action::ManagePlans),
            plans::publish,
        )
        .get(
            "/ke-hoach/{id}/truong",
            Permission(Action::ReviewReports),
            plans::school_plans,
        )
        .get(
            "/ke-hoach/{id}/truong/{unit_id}",
            Permission(Action::ViewSchoolPlan),
            plans::school_plan,
        )
        .get(
            "/ke-hoach/{id}/truong/{unit_id}/ke-hoach.docx",
            Permission(Action::ViewSchoolPlan),
            pages::documents::school_plan::<pages::documents::Docx>,
        )
        .get(
            "/ke-hoach/{id}/truong/{unit_id}/ke-hoach.pdf",
            Permission(Action::ViewSchoolPlan),
            pages::documents::school_plan::<pages::documents::Pdf>,
        )
        .get(
            "/ke-hoach/{id}/ke-hoach.docx",
            Permission(Action::ViewPlans),
            pages::documents::plan::<pages::documents::Docx>,
        )
        .get(
            "/ke-hoach/{id}/ke-hoach.pdf",
            Permission(Action::ViewPlans),
            pages::documents::plan::<pages::documents::Pdf>,
        )
        .post(
            "/ke-hoach/{id}/truong/{unit_id}",
            Permission(Action::WriteSchoolReport),
            plans::save_school_plan,
        )
        .post(
            "/ke-hoach/{id}/truong/{unit_id}/{action}",
            Permission(Action::ReviewReports),
            plans::review_school_plan,
        )
        .get(
            "/ke-hoach/{id}/bao-cao",
            Permission(Action::ViewDashboard),
            plans::reports,
        )
        .get(
            "/ke-hoach/{id}/bao-cao/{unit_id}",
            Permission(Action::ViewReports),
            plans::report,
        )
        .post(
            "/ke-hoach/{id}/bao-cao/{unit_id}",
            Permission(Action::WriteSchoolReport),
            plans::save_report,
        )
        .post(
            "/ke-hoach/{id}/bao-cao/{unit_id}/de-nghi-mo-lai",
            Permission(Action::WriteSchoolReport),
            plans::request_reopen,
        )
        .post(
            "/ke-hoach/{id}/bao-cao/{unit_id}/{action}",
            Permission(Action::ReviewReports),
            plans::review_report,
        )
        .get(
            "/bao-cao-cua-truong",
            Permission(Action::WriteSchoolReport),
            plans::my_report,
        )
        // Dashboard, documents and mail.
        .get(
            "/ke-hoach/{id}/tong-hop",
            Permission(Action::ViewDashboard),
            pages::dashboard::plan_page,
        )
        .get(
            "/ke-hoach/{id}/tong-hop.docx",
            Permission(Action::ViewDashboard),
            pages::documents::office::<pages::documents::Docx>,
        )
        .get(
            "/ke-hoach/{id}/tong-hop.pdf",
            Permission(Action::ViewDashboard),
            pages::documents::office::<pages::documents::Pdf>,
        )
        .get(
            "/ke-hoach/{id}/chi-tieu.xlsx",
            Permission(Action::ViewDashboard),
            pages::documents::indicators_xlsx,
        )
        .post(
            "/ke-hoach/{id}/nhac",
            Permission(Action::ReviewReports),
            pages::dashboard::remind,
        )
        .get(
            "/ke-hoach/{id}/bao-cao/{unit_id}/tai-ve.docx",
            Permission(Action::ViewReports),
            pages::documents::school::<pages::documents::Docx>,
        )
        .get(
            "/ke-hoach/{id}/bao-cao/{unit_id}/tai-ve.pdf",
            Permission(Action::ViewReports),
            pages::documents::school::<pages::documents::Pdf>,
        )
        .get(
            "/tong-hop-nam",
            Permission(Action::ViewDashboard),
            pages::rollup::rollup,
        )
        .get("/thu-di", Permission(Action::ViewOutbox), pages::outbox::outbox)
        // Website supervision.
        .get("/giam-sat", Permission(Action::ViewSites), sup::overview)
        .post(
            "/giam-sat/kiem-tra",
            Permission(Action::ManageSites),
            sup::inspect_all_now,
        )
        .get("/giam-sat/kiem-tra/{id}", Permission(Action::ViewSites), sup::progress)
        .get("/giam-sat/website", Permission(Action::ViewSites), sup::sites)
        .get(
            "/giam-sat/website/moi",
            Permission(Action::ManageSites),
            sup::new_site_form,
        )
        .post(
            "/giam-sat/website/moi",
            Permission(Action::ManageSites),
            sup::create_site,
        )
        .get(
            "/giam-sat/website/nhap",
            Permission(Action::ManageSites),
            sup::import_form,
        )
        .post("/giam-sat/website/nhap", Permission(Action::ManageSites), sup::import)
        .get(
            "/giam-sat/website/nhap/mau.csv",
            Permission(Action::ManageSites),
            sup::import_sample,
        )
        .get("/giam-sat/website/{id}", Permission(Action::ViewSites), sup::site)
        .post(
            "/giam-sat/website/{id}/kiem-tra",
            Permission(Action::ManageSites),
            sup::inspect_site_now,
        )
        .post(
            "/giam-sat/website/{id}/lich",
            Permission(Action::ManageSites),
            sup::update_schedule,
        )
        .post(
            "/giam-sat/website/{id}/theo-doi",
            Permission(Action::ManageStandards),
            sup::set_monitoring,
        )
        .get("/giam-sat/phat-hien", Permission(Action::ViewSites), sup::findings)
        .post(
            "/giam-sat/phat-hien/{id}/ghi-nhan",
            Permission(Action::ManageSites),
            sup::acknowledge,
        )
        .post(
            "/giam-sat/phat-hien/{id}/da-sua",
            Permission(Action::ManageSites),
            sup::mark_fixed,
        )
        .get("/giam-sat/tieu-chi", Permission(Action::ViewSites), sup::standard)
        .post(
            "/giam-sat/tieu-chi",
            Permission(Action::ManageStandards),
            sup::save_standard,
        )
        .get("/giam-sat/ten-mien", Permission(Action::ViewSites), sup::domains)
        .get("/huong-dan", SignedIn, sup::guides)
        .get("/huong-dan/{code}", SignedIn, sup::guide)
        .get("/thong-bao", SignedIn, sup::notifications)
        .post("/thong-bao/da-doc", SignedIn, sup::mark_read)
        // Incidents and feedback.
        .get("/su-co", Permission(Action::ReportIncidents), pages::incidents::list)
        .get(
            "/su-co/moi",
            Permission(Action::ReportIncidents),
            pages::incidents::new_form,
        )
        .post(
            "/su-co/moi",
            Permission(Action::ReportIncidents),
            pages::incidents::create,
        )
        .get(
            "/su-co/mang-luoi",
            Permission(Action::ViewIncidentStats),
            pages::incidents::coverage,
        )
        .get(
            "/su-co/{id}",
            Permission(Action::ReportIncidents),
            pages::incidents::show,
        )
        .post(
            "/su-co/{id}/chuyen",
            Permission(Action::HandleIncidents),
            pages::incidents::move_case,
        )
        .post(
            "/su-co/{id}/ghi-chu",
            Permission(Action::HandleIncidents),
            pages::incidents::add_note,
        )
        .post(
            "/su-co/{id}/lien-ket",
            Permission(Action::HandleIncidents),
            pages::incidents::link,
        )
        .post(
            "/su-co/{id}/lien-ket/bo",
            Permission(Action::HandleIncidents),
            pages::incidents::unlink,
        )
        .post(
            "/su-co/{id}/tep",
            Permission(Action::ReportIncidents),
            pages::incidents::attach.layer(pages::activities::upload_body_limit()),
        )
        .get(
            "/su-co/{id}/tep/{file_id}",
            Permission(Action::ReportIncidents),
            pages::incidents::download,
        )
        .get(
            "/su-co/loai",
            Permission(Action::ManageIncidentCategories),
            pages::incidents::categories,
        )
        .post(
            "/su-co/loai",
            Permission(Action::ManageIncidentCategories),
            pages::incidents::create_category,
        )
        .get(
            "/su-co/loai/{code}",
            Permission(Action::ManageIncidentCategories),
            pages::incidents::edit_category,
        )
        .post(
            "/su-co/loai/{code}",
            Permission(Action::ManageIncidentCategories),
            pages::incidents::update_category,
        )
        .get(
            "/su-co/gio-lam-viec",
            Permission(Action::ManageIncidentCategories),
            pages::incidents::working_time,
        )
        .post(
            "/su-co/gio-lam-viec",
            Permission(Action::ManageIncidentCategories),
            pages::incidents::save_working_time,
        )
        .get(
            "/su-co/{id}/phieu-chuyen.docx",
            Permission(Action::HandleIncidents),
            pages::documents::referral::<pages::documents::Docx>,
        )
        .get(
            "/su-co/{id}/phieu-chuyen.pdf",
            Permission(Action::HandleIncidents),
            pages::documents::referral::<pages::documents::Pdf>,
        )
        .post(
            "/su-co/{id}/tin-rac",
            Permission(Action::LeadIncidents),
            pages::incidents::mark_spam,
        )
        .get(
            "/dinh-chinh",
            Permission(Action::WriteClarifications),
            pages::clarifications::list,
        )
        .get(
            "/dinh-chinh/moi",
            Permission(Action::WriteClarifications),
            pages::clarifications::new_form,
        )
        .post(
            "/dinh-chinh/moi",
            Permission(Action::WriteClarifications),
            pages::clarifications::create,
        )
        .get(
            "/dinh-chinh/{id}",
            Permission(Action::WriteClarifications),
            pages::clarifications::show,
        )
        .post(
            "/dinh-chinh/{id}/duyet",
            Permission(Action::ApproveClarifications),
            pages::clarifications::approve,
        )
        .post(
            "/dinh-chinh/{id}/thu-hoi",
            Permission(Action::ApproveClarifications),
            pages::clarifications::withdraw,
        )
        .get("/cong-khai/dinh-chinh.atom", Public, pages::clarifications::feed)
        .get("/cong-khai/dinh-chinh/{id}", Public, pages::clarifications::public)
        .get("/phan-anh/tra-cuu", Public, pages::incidents::lookup_form)
        .post("/phan-anh/tra-cuu", Public, pages::incidents::lookup)
        .get("/phan-anh/{code}", Public, pages::incidents::public_form)
        .post("/phan-anh/{code}", Public, pages::incidents::public_submit)
        // Audit log.
        .get("/nhat-ky", Permission(Action::ViewAudit), audit_log::page)
        // Sector news.
        .get("/tin-tuc", Permission(Action::ViewNews), pages::news::search)
        .get("/tin-tuc/chu-de", Permission(Action::ViewNews), pages::news::topics)
        .post(
            "/tin-tuc/chu-de",
            Permission(Action::ManageNews),
            pages::news::create_topic,
        )
        .get(
            "/tin-tuc/chu-de/{id}",
            Permission(Action::ManageNews),
            pages::news::edit_topic_form,
        )
        .post(
            "/tin-tuc/chu-de/{id}",
            Permission(Action::ManageNews),
            pages::news::update_topic,
        )
        .post(
            "/tin-tuc/chu-de/{id}/xoa",
            Permission(Action::ManageNews),
            pages::news::delete_topic,
        )
        .get("/tin-tuc/nguon", Permission(Action::ViewNews), pages::news::feeds)
        .post("/tin-tuc/nguon", Permission(Action::ManageNews), pages::news::add_feed)
        .get(
            "/tin-tuc/hoat-dong",
            Permission(Action::ViewNews),
            pages::news::activity,
        )
        // Lessons and class sessions.
        .get("/bai-hoc", Permission(Action::ViewLessons), pages::lessons::library)
        .get(
            "/bai-hoc/moi",
            Permission(Action::ManageLessons),
            pages::lessons::new_form,
        )
        .post(
            "/bai-hoc/moi",
            Permission(Action::ManageLessons),
            pages::lessons::create,
        )
        .get("/bai-hoc/{id}", Permission(Action::ViewLessons), pages::lessons::show)
        .get(
            "/bai-hoc/{id}/giao-an.pdf",
            Permission(Action::ViewLessons),
            pages::lessons::print::<pages::lessons::PlanPdf>,
        )
        .get(
            "/bai-hoc/{id}/giao-an.docx",
            Permission(Action::ViewLessons),
            pages::lessons::print::<pages::lessons::PlanDocx>,
        )
        .get(
            "/bai-hoc/{id}/trinh-chieu.pdf",
            Permission(Action::ViewLessons),
            pages::lessons::print::<pages::lessons::Slides>,
        )
        .get(
            "/bai-hoc/{id}/phieu-kiem-tra.pdf",
            Permission(Action::ViewLessons),
            pages::lessons::print::<pages::lessons::QuizSheet>,
        )
        .get(
            "/bai-hoc/{id}/sua",
            Permission(Action::ManageLessons),
            pages::lessons::edit_form,
        )
        .post(
            "/bai-hoc/{id}/sua",
            Permission(Action::ManageLessons),
            pages::lessons::update,
        )
        .post(
            "/bai-hoc/{id}/cong-bo",
            Permission(Action::ManageLessons),
            pages::lessons::publish,
        )
        .get(
            "/buoi-hoc",
            Permission(Action::RunClassSessions),
            pages::class_sessions::list,
        )
        .post(
            "/buoi-hoc",
            Permission(Action::RunClassSessions),
            pages::class_sessions::start,
        )
        // The school's principal and the office follow a session too: the use case decides.
        .get(
            "/buoi-hoc/{id}",
            Permission(Action::ViewActivities),
            pages::class_sessions::show,
        )
        .post(
            "/buoi-hoc/{id}/ket-thuc",
            Permission(Action::RunClassSessions),
            pages::class_sessions::close,
        )
        .post(
            "/buoi-hoc/{id}/phieu",
            Permission(Action::RunClassSessions),
            pages::class_sessions::sheets,
        )
        // Pupils join and answer without an account.
        .get("/lop", Public, pages::class_sessions::join_form)
        .post("/lop", Public, pages::class_sessions::join)
        .get("/lop/{code}", Public, pages::class_sessions::join_with_code)
        .post("/lop/{code}/nop", Public, pages::class_sessions::answer)
        // Trainings: invitations give the right to see one, so reading needs only an account;
        // the use case answers 404 to anyone neither organizing nor invited.
        // Notices: being addressed gives the right to read one, so reading needs only an account;
        // the use case answers 404 to anyone neither sending nor addressed.
        .get("/van-ban", SignedIn, pages::notices::list)
        // Sending: offices and principals to staff and families, teachers to families only;
        // the use case decides, so the route asks only for an account.
        .get("/van-ban/moi", SignedIn, pages::notices::new_form)
        .post(
            "/van-ban/moi",
            SignedIn,
            pages::notices::create.layer(pages::activities::upload_body_limit()),
        )
        .get("/van-ban/{id}", SignedIn, pages::notices::show)
        .post("/van-ban/{id}/xac-nhan", SignedIn, pages::notices::acknowledge)
        .get(
            "/van-ban/{id}/thong-bao.docx",
            SignedIn,
            pages::documents::notice::<pages::documents::Docx>,
        )
        .get(
            "/van-ban/{id}/thong-bao.pdf",
            SignedIn,
            pages::documents::notice::<pages::documents::Pdf>,
        )
        .get("/van-ban/{id}/nguoi-nhan", SignedIn, pages::notices::recipients)
        .get("/van-ban/{id}/phieu.pdf", SignedIn, pages::notices::slips)
        .get("/van-ban/{id}/so-lien-lac.csv", SignedIn, pages::notices::contact_book)
        .get("/van-ban/{id}/tep/{file_id}", SignedIn, pages::notices::attachment)
        .get(
            "/api/v1/notices/{id}/attachments/{file_id}",
            SignedIn,
            api::notices::attachment,
        )
        .get("/api/v1/notices", SignedIn, api::notices::list)
        .post("/api/v1/notices", SignedIn, api::notices::create)
        .get("/api/v1/notices/{id}", SignedIn, api::notices::get)
        .post("/api/v1/notices/{id}/read", SignedIn, api::notices::read)
        .post("/api/v1/notices/{id}/acknowledge", SignedIn, api::notices::acknowledge)
        .get("/api/v1/notices/{id}/recipients", SignedIn, api::notices::recipients)
        // Parents and their classes: the school invites and sees who joined; a parent signs
        // up with a code (public, throttled) and, signed in, joins more classes.
        .get("/lop-hoc", Permission(Action::ReachParents), pages::families::schools)
        .get(
            "/lop-hoc/{unit_id}",
            Permission(Action::ReachParents),
            pages::families::school,
        )
        .post(
            "/lop-hoc/{unit_id}/ma-moi",
            Permission(Action::ReachParents),
            pages::families::invite,
        )
        .get(
            "/lop-hoc/{unit_id}/ma-moi/{id}",
            Permission(Action::ReachParents),
            pages::families::invitation,
        )
        .post(
            "/lop-hoc/{unit_id}/ma-moi/{id}/thu-hoi",
            Permission(Action::ReachParents),
            pages::families::revoke,
        )
        .get(
            "/lop-hoc/{unit_id}/cha-me",
            Permission(Action::ReachParents),
            pages::families::parents,
        )
        .post(
            "/lop-hoc/{unit_id}/cha-me/{id}/xoa",
            Permission(Action::ReachParents),
            pages::families::remove,
        )
        .post(
            "/lop-hoc/{unit_id}/cha-me/{id}/dai-dien",
            Permission(Action::ReachParents),
            pages::families::set_representative,
        )
        .get("/tham-gia", Public, pages::families::signup_form)
        .post("/tham-gia", Public, pages::families::signup)
        .get("/gia-dinh", SignedIn, pages::families::home)
        .post("/gia-dinh/them-lop", SignedIn, pages::families::join)
        .post("/gia-dinh/ma-moi", SignedIn, pages::families::representative_invitation)
        .get(
            "/api/v1/classes/{unit_id}/invitations",
            Permission(Action::ReachParents),
            api::parents::invitations,
        )
        .post(
            "/api/v1/classes/{unit_id}/invitations",
            Permission(Action::ReachParents),
            api::parents::invite,
        )
        .post(
            "/api/v1/classes/{unit_id}/invitations/{id}/revoke",
            Permission(Action::ReachParents),
            api::parents::revoke,
        )
        .get(
            "/api/v1/classes/{unit_id}/parents",
            Permission(Action::ReachParents),
            api::parents::parents,
        )
        .post(
            "/api/v1/classes/{unit_id}/parents/{id}/remove",
            Permission(Action::ReachParents),
            api::parents::remove,
        )
        .post(
            "/api/v1/classes/{unit_id}/parents/{id}/representative",
            Permission(Action::ReachParents),
            api::parents::set_representative,
        )
        .post(
            "/api/v1/parents/classes/invitation",
            SignedIn,
            api::parents::representative_invitation,
        )
        .post("/api/v1/public/parents/signup", Public, api::parents::signup)
        .get("/api/v1/parents/classes", SignedIn, api::parents::my_classes)
        .post("/api/v1/parents/classes", SignedIn, api::parents::join)
        // Exemplary stories for staff, a parent's answer, and the public site of every unit.
        .get("/cau-chuyen", SignedIn, pages::stories::list)
        .get(
            "/cau-chuyen/moi",
            Permission(Action::WriteStories),
            pages::stories::new_form,
        )
        .post(
            "/cau-chuyen/moi",
            Permission(Action::WriteStories),
            pages::stories::create,
        )
        .get("/cau-chuyen/{id}", SignedIn, pages::stories::show)
        .post(
            "/cau-chuyen/{id}/dong-y",
            Permission(Action::WriteStories),
            pages::stories::add_consent,
        )
        .post(
            "/cau-chuyen/{id}/dong-y/{consent}/rut",
            SignedIn,
            pages::stories::withdraw,
        )
        .get(
            "/cau-chuyen/{id}/dong-y/{consent}/phieu",
            SignedIn,
            pages::stories::consent_scan,
        )
        .get(
            "/cau-chuyen/{id}/nguoi/{subject}/{format}",
            SignedIn,
            pages::stories::consent_document,
        )
        .post("/cau-chuyen/{id}/dang", SignedIn, pages::stories::publish)
        .post(
            "/cau-chuyen/{id}/hoi-cha-me",
            Permission(Action::WriteStories),
            pages::stories::ask_parent,
        )
        .post(
            "/cau-chuyen/{id}/anh",
            Permission(Action::WriteStories),
            pages::stories::add_photo,
        )
        .get("/cau-chuyen/{id}/anh/{photo}", SignedIn, pages::stories::photo)
        .post(
            "/cau-chuyen/{id}/anh/{photo}/go",
            Permission(Action::WriteStories),
            pages::stories::remove_photo,
        )
        .get("/gia-dinh/cau-chuyen/{id}", SignedIn, pages::stories::parent_show)
        .post(
            "/gia-dinh/cau-chuyen/{id}/dong-y",
            SignedIn,
            pages::stories::parent_consent,
        )
        .post(
            "/gia-dinh/cau-chuyen/{id}/dong-y/{consent}/rut",
            SignedIn,
            pages::stories::parent_withdraw,
        )
        .get(
            "/gia-dinh/cau-chuyen/{id}/anh/{photo}",
            SignedIn,
            pages::stories::parent_photo,
        )
        .get("/trang/{code}", Public, pages::public_site::home)
        .get("/trang/{code}/cong-khai", Public, pages::public_site::disclosure)
        .get("/trang/{code}/tin.atom", Public, pages::public_site::feed_all)
        .get(
            "/trang/{code}/cau-chuyen.atom",
            Public,
            pages::public_site::feed_stories,
        )
        .get(
            "/trang/{code}/dinh-chinh.atom",
            Public,
            pages::public_site::feed_clarifications,
        )
        .get("/trang/{code}/cau-chuyen/{id}", Public, pages::public_site::story)
        .get(
            "/trang/{code}/cau-chuyen/{id}/anh/{photo}",
            Public,
            pages::public_site::photo,
        )
        .get(
            "/trang/{code}/cau-chuyen/{id}/anh/{photo}/nho",
            Public,
            pages::public_site::photo_small,
        )
        .get("/sitemap.xml", Public, pages::public_site::sitemap)
        .get("/robots.txt", Public, pages::public_site::robots)
        .get("/api/v1/stories", SignedIn, api::stories::list)
        .post(
            "/api/v1/stories",
            Permission(Action::WriteStories),
            api::stories::create,
        )
        .get("/api/v1/stories/{id}", SignedIn, api::stories::get)
        .post(
            "/api/v1/stories/{id}/consents",
            Permission(Action::WriteStories),
            api::stories::add_consent,
        )
        .get(
            "/api/v1/stories/{id}/consents/{consent_id}/form",
            SignedIn,
            api::stories::consent_form,
        )
        .post("/api/v1/stories/{id}/publish", SignedIn, api::stories::publish)
        .post(
            "/api/v1/stories/{id}/photos",
            Permission(Action::WriteStories),
            api::stories::add_photo,
        )
        .get("/api/v1/stories/{id}/photos/{photo_id}", SignedIn, api::stories::photo)
        .post(
            "/api/v1/stories/{id}/photos/{photo_id}/remove",
            Permission(Action::WriteStories),
            api::stories::remove_photo,
        )
        .post(
            "/api/v1/stories/{id}/subjects/{subject_id}/parent",
            Permission(Action::WriteStories),
            api::stories::ask_parent,
        )
        .get("/api/v1/parents/stories", SignedIn, api::stories::parent_requests)
        .post(
            "/api/v1/parents/stories/{id}/consents",
            SignedIn,
            api::stories::parent_consent,
        )
        .post(
            "/api/v1/parents/stories/{id}/consents/{consent_id}/withdraw",
            SignedIn,
            api::stories::parent_withdraw,
        )
        .post(
            "/api/v1/stories/{id}/consents/{consent_id}/withdraw",
            SignedIn,
            api::stories::withdraw,
        )
        // An office's connections to its messaging provider, and their delivery logs.
        .get("/ket-noi", Permission(Action::ManageWebhooks), pages::webhooks::list)
        .post("/ket-noi", Permission(Action::ManageWebhooks), pages::webhooks::create)
        .get(
            "/ket-noi/{id}",
            Permission(Action::ManageWebhooks),
            pages::webhooks::show,
        )
        .post(
            "/ket-noi/{id}/gui-thu",
            Permission(Action::ManageWebhooks),
            pages::webhooks::ping,
        )
        .post(
            "/ket-noi/{id}/tat",
            Permission(Action::ManageWebhooks),
            pages::webhooks::disable,
        )
        .get(
            "/api/v1/webhooks",
            Permission(Action::ManageWebhooks),
            api::webhooks::list,
        )
        .post(
            "/api/v1/webhooks",
            Permission(Action::ManageWebhooks),
            api::webhooks::create,
        )
        .get(
            "/api/v1/webhooks/{id}",
            Permission(Action::ManageWebhooks),
            api::webhooks::show,
        )
        .get(
            "/api/v1/webhooks/{id}/deliveries",
            Permission(Action::ManageWebhooks),
            api::webhooks::deliveries,
        )
        .post(
            "/api/v1/webhooks/{id}/ping",
            Permission(Action::ManageWebhooks),
            api::webhooks::ping,
        )
        .post(
            "/api/v1/webhooks/{id}/disable",
            Permission(Action::ManageWebhooks),
            api::webhooks::disable,
        )
        .get("/tap-huan", SignedIn, pages::trainings::list)
        .get(
            "/tap-huan/moi",
            Permission(Action::ManageTrainings),
            pages::trainings::new_form,
        )
        .post(
            "/tap-huan/moi",
            Permission(Action::ManageTrainings),
            pages::trainings::create,
        )
        .get("/tap-huan/{id}", SignedIn, pages::trainings::show)
        .get(
            "/tap-huan/{id}/sua",
            Permission(Action::ManageTrainings),
            pages::trainings::edit_form,
        )
        .post(
            "/tap-huan/{id}/sua",
            Permission(Action::ManageTrainings),
            pages::trainings::update,
        )
        .post(
            "/tap-huan/{id}/huy-buoi",
            Permission(Action::ManageTrainings),
            pages::trainings::cancel,
        )
        .post("/tap-huan/{id}/dang-ky", SignedIn, pages::trainings::register)
        .post("/tap-huan/{id}/huy-dang-ky", SignedIn, pages::trainings::unregister)
        .post("/tap-huan/{id}/diem-danh", SignedIn, pages::trainings::check_in)
        .post(
            "/tap-huan/{id}/diem-danh-tay",
            Permission(Action::ManageTrainings),
            pages::trainings::mark,
        )
        // The pre-test (truoc) and the post-test (sau).
        .get("/tap-huan/{id}/kiem-tra/{phase}", SignedIn, pages::trainings::test)
        .post(
            "/tap-huan/{id}/kiem-tra/{phase}",
            SignedIn,
            pages::trainings::submit_test,
        )
        .get("/tap-huan/{id}/chung-nhan.pdf", SignedIn, pages::trainings::certificate)
        // Anyone checks a certificate's code, without an account.
        .get("/chung-nhan/{code}", Public, pages::trainings::verify)
        // Parents' guides and the lessons' notes for parents: anyone reads them (T5.2).
        .get("/cha-me", Public, pages::parents::index)
        .get("/cha-me/{slug}", Public, pages::parents::guide)
        // API.
        .get("/api/v1/openapi.json", Public, api::openapi::document)
        .get("/api/v1/trainings", SignedIn, api::trainings::list)
        .post(
            "/api/v1/trainings",
            Permission(Action::ManageTrainings),
            api::trainings::create,
        )
        .get("/api/v1/trainings/{id}", SignedIn, api::trainings::get)
        .put(
            "/api/v1/trainings/{id}",
            Permission(Action::ManageTrainings),
            api::trainings::update,
        )
        .post(
            "/api/v1/trainings/{id}/cancel",
            Permission(Action::ManageTrainings),
            api::trainings::cancel,
        )
        .post("/api/v1/trainings/{id}/register", SignedIn, api::trainings::register)
        .post(
            "/api/v1/trainings/{id}/attendance",
            SignedIn,
            api::trainings::attendance,
        )
        .get("/api/v1/trainings/{id}/results", SignedIn, api::trainings::results)
        .post("/api/v1/auth/login", Public, api::login)
        .post("/api/v1/auth/logout", SignedIn, api::logout)
        .get("/api/v1/me", SignedIn, api::me)
        .get("/api/v1/units", Permission(Action::ViewUnit), api::units)
        .get("/api/v1/units/{id}", Permission(Action::ViewUnit), api::unit)
        .get("/api/v1/people", Permission(Action::ViewPeople), api::people)
        .get("/api/v1/plans", Permission(Action::ViewPlans), api::yearly::list_plans)
        .post(
            "/api/v1/plans",
            Permission(Action::ManagePlans),
            api::yearly::create_plan,
        )
        .get(
            "/api/v1/plans/{id}",
            Permission(Action::ViewPlans),
            api::yearly::get_plan,
        )
        .post(
            "/api/v1/plans/{id}/publish",
            Permission(Action::ManagePlans),
            api::yearly::publish_plan,
        )
        .get(
            "/api/v1/plans/{id}/dashboard",
            Permission(Action::ViewDashboard),
            api::yearly::dashboard,
        )
        .get(
            "/api/v1/plans/{id}/reports",
            Permission(Action::ViewReports),
            api::yearly::list_reports,
        )
        .get(
            "/api/v1/plans/{id}/reports/{unit_id}",
            Permission(Action::ViewReports),
            api::yearly::get_report,
        )
        .put(
            "/api/v1/plans/{id}/reports/{unit_id}",
            Permission(Action::WriteSchoolReport),
            api::yearly::put_report,
        )
        .post(
            "/api/v1/plans/{id}/reports/{unit_id}/submit",
            Permission(Action::WriteSchoolReport),
            api::yearly::submit_report,
        )
        .post(
            "/api/v1/plans/{id}/reports/{unit_id}/return",
            Permission(Action::ReviewReports),
            api::yearly::return_report,
        )
        .post(
            "/api/v1/plans/{id}/reports/{unit_id}/accept",
            Permission(Action::ReviewReports),
            api::yearly::accept_report,
        )
        .post(
            "/api/v1/plans/{id}/reports/{unit_id}/reopen",
            Permission(Action::ReviewReports),
            api::yearly::reopen_report,
        )
        .post(
            "/api/v1/plans/{id}/reports/{unit_id}/reopen-request",
            Permission(Action::WriteSchoolReport),
            api::yearly::request_reopen,
        )
        .post(
            "/api/v1/activities",
            Permission(Action::LogActivities),
            api::yearly::create_activity,
        )
        .get(
            "/api/v1/activities",
            Permission(Action::ViewActivities),
            api::yearly::list_activities,
        )
        .get(
            "/api/v1/sites",
            Permission(Action::ViewSites),
            api::supervision::list_sites,
        )
        .post(
            "/api/v1/sites",
            Permission(Action::ManageSites),
            api::supervision::create_site,
        )
        .get(
            "/api/v1/sites/{id}",
            Permission(Action::ViewSites),
            api::supervision::site,
        )
        .post(
            "/api/v1/sites/{id}/monitoring",
            Permission(Action::ManageStandards),
            api::supervision::set_monitoring,
        )
        .get(
            "/api/v1/findings",
            Permission(Action::ViewSites),
            api::supervision::list_findings,
        )
        .post(
            "/api/v1/findings/{id}/acknowledge",
            Permission(Action::ManageSites),
            api::supervision::acknowledge,
        )
        .post(
            "/api/v1/findings/{id}/fixed",
            Permission(Action::ManageSites),
            api::supervision::fixed,
        )
        .post(
            "/api/v1/inspections",
            Permission(Action::ManageSites),
            api::supervision::create_inspection,
        )
        .get(
            "/api/v1/inspections/{id}",
            Permission(Action::ViewSites),
            api::supervision::inspection,
        )
        .get("/api/v1/news", Permission(Action::ViewNews), api::news::list)
        .get("/api/v1/incident-categories", Public, api::incidents::categories)
        .post(
            "/api/v1/incident-categories",
            Permission(Action::ManageIncidentCategories),
            api::incidents::create_category,
        )
        .put(
            "/api/v1/incident-categories/{code}",
            Permission(Action::ManageIncidentCategories),
            api::incidents::update_category,
        )
        .get("/api/v1/incident-working-time", SignedIn, api::incidents::working_time)
        .put(
            "/api/v1/incident-working-time",
            Permission(Action::ManageIncidentCategories),
            api::incidents::save_working_time,
        )
        .get(
            "/api/v1/clarifications",
            Permission(Action::WriteClarifications),
            api::incidents::list_clarifications,
        )
        .post(
            "/api/v1/clarifications",
            Permission(Action::WriteClarifications),
            api::incidents::create_clarification,
        )
        .post(
            "/api/v1/clarifications/{id}/approve",
            Permission(Action::ApproveClarifications),
            api::incidents::approve_clarification,
        )
        .get(
            "/api/v1/incidents",
            Permission(Action::ReportIncidents),
            api::incidents::list,
        )
        .post(
            "/api/v1/incidents",
            Permission(Action::ReportIncidents),
            api::incidents::create,
        )
        .get(
            "/api/v1/incidents/{id}",
            Permission(Action::ReportIncidents),
            api::incidents::get,
        )
        .post(
            "/api/v1/incidents/{id}/transition",
            Permission(Action::HandleIncidents),
            api::incidents::transition,
        )
        .post(
            "/api/v1/incidents/{id}/notes",
            Permission(Action::HandleIncidents),
            api::incidents::add_note,
        )
        .post(
            "/api/v1/incidents/{id}/links",
            Permission(Action::HandleIncidents),
            api::incidents::link,
        )
        .post(
            "/api/v1/incidents/{id}/links/remove",
            Permission(Action::HandleIncidents),
            api::incidents::unlink,
        )
        .post(
            "/api/v1/public/units/{unit_code}/reports",
            Public,
            api::incidents::public_report,
        )
        .get("/api/v1/public/receipts/{receipt}", Public, api::incidents::receipt)
        // Lessons and class sessions; the pupils' side is public: a code, a nickname, answers.
        .get("/api/v1/lessons", Permission(Action::ViewLessons), api::lessons::list)
        .post(
            "/api/v1/lessons",
            Permission(Action::ManageLessons),
            api::lessons::create,
        )
        .get(
            "/api/v1/lessons/{id}",
            Permission(Action::ViewLessons),
            api::lessons::get,
        )
        .put(
            "/api/v1/lessons/{id}",
            Permission(Action::ManageLessons),
            api::lessons::save,
        )
        .post(
            "/api/v1/lessons/{id}/publish",
            Permission(Action::ManageLessons),
            api::lessons::publish,
        )
        .get(
            "/api/v1/sessions",
            Permission(Action::RunClassSessions),
            api::lessons::mine,
        )
        .post(
            "/api/v1/sessions",
            Permission(Action::RunClassSessions),
            api::lessons::start,
        )
        .get(
            "/api/v1/sessions/{id}",
            Permission(Action::ViewActivities),
            api::lessons::session,
        )
        .post(
            "/api/v1/sessions/{id}/close",
            Permission(Action::RunClassSessions),
            api::lessons::close,
        )
        .post(
            "/api/v1/sessions/{id}/sheets",
            Permission(Action::RunClassSessions),
            api::lessons::add_sheets,
        )
        .post("/api/v1/public/sessions/{code}/join", Public, api::lessons::join)
        .post("/api/v1/public/sessions/{code}/answers", Public, api::lessons::answer)
}
