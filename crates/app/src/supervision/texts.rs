//! The words of supervision's alerts and digests, in one place: the in-app notification, the
//! mail to a school's people, the office's daily digest. Links in mail are absolute (built from
//! the configured public address), since a mail client cannot follow a bare path.

use lanhmang_domain::supervision::AlertChange;
use lanhmang_store::sites::{AlertTexts, DigestLine, MailText, NoticeText, Overview, Recipient, Site};
use time::Date;

use crate::Links;

/// A site's page inside the application.
pub fn site_path(site_id: i64) -> String {
    format!("/giam-sat/website/{site_id}")
}

/// Alert texts with links built from `links`.
pub struct SupervisionTexts<'a> {
    links: &'a Links,
}

impl<'a> SupervisionTexts<'a> {
    pub fn new(links: &'a Links) -> SupervisionTexts<'a> {
        SupervisionTexts { links }
    }
}

/// The title and the advice of an alert about a site.
fn title_and_advice(site: &Site, change: AlertChange) -> (String, &'static str) {
    let named = format!("{} ({})", site.url, site.unit_name);
    match change {
        AlertChange::Started(flag) => (flag.title(&named), flag.advice()),
        AlertChange::BackToNormal => (
            format!("Website {named} đã hoạt động bình thường trở lại"),
            "Các cảnh báo trước đó của website đã hết.",
        ),
    }
}

impl AlertTexts for SupervisionTexts<'_> {
    fn notification(&self, site: &Site, change: AlertChange) -> NoticeText {
        let (title, advice) = title_and_advice(site, change);
        NoticeText {
            title,
            body: advice.to_string(),
            link: site_path(site.id),
        }
    }

    fn mail(&self, site: &Site, change: AlertChange, to: &Recipient) -> MailText {
        let (title, advice) = title_and_advice(site, change);
        MailText {
            subject: format!("[Lành Mạng] {title}"),
            body: format!(
                "Kính gửi {},\n\n{title}.\n{advice}\n\nXem chi tiết và hướng dẫn khắc phục: {}\n\nĐơn vị: {}\n\n— Lành Mạng",
                to.name,
                self.links.url(&site_path(site.id)),
                site.unit_name
            ),
        }
    }
}

/// The office's daily digest: the figures of its subtree and the alerts of the last day.
pub fn digest_mail(links: &Links, office: &str, today: Date, o: &Overview, alerts: &[DigestLine]) -> MailText {
    let day = lanhmang_domain::text::date_text(today);
    let mut body = format!(
        "Kính gửi {office},\n\nTình hình website trong phạm vi quản lý ngày {day}:\n\
         - {} website đang theo dõi; {} không truy cập được; {} đạt tiêu chí, {} chưa đạt.\n\
         - Chứng chỉ: {} sắp hết hạn trong 30 ngày, {} đã hết hạn.\n\
         - {} website có dấu hiệu bị tấn công; {} thiếu nội dung công khai.\n\n",
        o.total,
        o.down,
        o.meets_standard,
        o.failing_standard,
        o.cert_expiring,
        o.cert_expired,
        o.compromised,
        o.disclosure_gap
    );
    if alerts.is_empty() {
        body.push_str("Trong 24 giờ qua không có cảnh báo mới.\n");
    } else {
        body.push_str(&format!("Cảnh báo trong 24 giờ qua ({}):\n", alerts.len()));
        for a in alerts {
            body.push_str(&format!("- {} ({})\n", a.title, a.unit_name));
        }
    }
    body.push_str(&format!("\nXem tổng quan: {}\n\n— Lành Mạng", links.url("/giam-sat")));
    MailText {
        subject: format!("[Lành Mạng] Tình hình website ngày {day}: {} cảnh báo", alerts.len()),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lanhmang_domain::supervision::{AlertFlag, SiteKind};

    fn site() -> Site {
        Site {
            id: 7,
            unit_id: 3,
            unit_name: "Trường TH An Bình".into(),
            ancestry: vec![1, 3],
            url: "https://thanbinh.edu.vn/".into(),
            host: "thanbinh.edu.vn".into(),
            kind: SiteKind::Website,
            name: String::new(),
            active: true,
            status: "down".into(),
            state: lanhmang_domain::supervision::SiteState::Down,
            reachable: Some(false),
            grade: None,
            score: None,
            last_full_at: None,
            last_check_at: None,
            cert_expires_at: None,
            compromised: false,
            disclosure_gap: false,
            meets_standard: None,
            open_findings: 1,
            full_interval_minutes: 1440,
            check_interval_minutes: 60,
            consecutive_failures: 1,
            next_full_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn mail_links_are_absolute_and_notices_stay_inside() {
        let links = Links::new(Some("https://lanhmang.example.vn/"));
        let texts = SupervisionTexts::new(&links);
        let to = Recipient {
            person_id: 1,
            name: "Cô Lan".into(),
            email: Some("lan@thanbinh.edu.vn".into()),
            office: false,
        };
        let change = AlertChange::Started(AlertFlag::Down);
        let mail = texts.mail(&site(), change, &to);
        assert!(
            mail.body.contains("https://lanhmang.example.vn/giam-sat/website/7"),
            "{}",
            mail.body
        );
        assert!(mail.subject.starts_with("[Lành Mạng] Website https://thanbinh.edu.vn/"));
        let notice = texts.notification(&site(), change);
        assert_eq!(notice.link, "/giam-sat/website/7");
        let digest = digest_mail(
            &links,
            "Phòng GD&ĐT",
            time::macros::date!(2026 - 10 - 15),
            &Overview::default(),
            &[],
        );
        assert!(
            digest.body.contains("https://lanhmang.example.vn/giam-sat\n"),
            "{}",
            digest.body
        );
        assert!(digest.subject.contains("15/10/2026"));
    }
}
