//! Reading a registry's RDAP answer for a domain (RFC 9083): the expiry date and the registrar.
//! The answer comes from a service outside our control, so anything that is not the expected
//! shape yields no date and a reason, never a failure.

use time::OffsetDateTime;

/// The longest registrar name kept: the name is shown in a table cell and stored.
pub const MAX_REGISTRAR_CHARS: usize = 200;

/// The expiration event and the registrar's name from an RDAP domain answer (RFC 9083).
pub fn parse(body: &[u8]) -> (Option<OffsetDateTime>, String, String) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return (None, String::new(), "câu trả lời RDAP không phải JSON".into());
    };
    let expires = v.get("events").and_then(|e| e.as_array()).and_then(|events| {
        events.iter().find_map(|e| {
            (e.get("eventAction")?.as_str()? == "expiration")
                .then(|| e.get("eventDate")?.as_str())
                .flatten()
                .and_then(|d| OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok())
        })
    });
    let registrar = v
        .get("entities")
        .and_then(|e| e.as_array())
        .and_then(|entities| {
            entities.iter().find_map(|e| {
                let roles = e.get("roles")?.as_array()?;
                if !roles.iter().any(|r| r.as_str() == Some("registrar")) {
                    return None;
                }
                // vcardArray: ["vcard", [["fn", {}, "text", "Name"], …]]
                e.get("vcardArray")?.get(1)?.as_array()?.iter().find_map(|field| {
                    (field.get(0)?.as_str()? == "fn")
                        .then(|| field.get(3)?.as_str().map(one_line))
                        .flatten()
                })
            })
        })
        .unwrap_or_default();
    let error = if expires.is_none() {
        "RDAP không cho biết ngày hết hạn".to_string()
    } else {
        String::new()
    };
    (expires.map(|t| t.replace_nanosecond(0).unwrap_or(t)), registrar, error)
}

/// A name from the registry as one line of text, at most [`MAX_REGISTRAR_CHARS`] long.
fn one_line(raw: &str) -> String {
    let words: Vec<&str> = raw
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ").chars().take(MAX_REGISTRAR_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdap_answers_give_expiry_and_registrar() {
        let body = r#"{"objectClassName":"domain","ldhName":"pgd.edu.vn",
            "events":[{"eventAction":"registration","eventDate":"2010-01-02T00:00:00Z"},
                      {"eventAction":"expiration","eventDate":"2027-01-02T00:00:00Z"}],
            "entities":[{"roles":["registrar"],"vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Nhà đăng ký A"]]]}]}"#;
        let (expires, registrar, error) = parse(body.as_bytes());
        assert_eq!(expires.map(|t| t.year()), Some(2027));
        assert_eq!(registrar, "Nhà đăng ký A");
        assert!(error.is_empty());
        let (none, _, error) = parse(b"not json");
        assert!(none.is_none() && !error.is_empty());
    }

    #[test]
    fn a_registrar_name_is_one_bounded_line() {
        let long = r"A\u0000B\n".repeat(500);
        let body = format!(
            r#"{{"entities":[{{"roles":["registrar"],"vcardArray":["vcard",[["fn",{{}},"text","{long}"]]]}}]}}"#
        );
        let (_, registrar, _) = parse(body.as_bytes());
        assert_eq!(registrar.chars().count(), MAX_REGISTRAR_CHARS);
        assert!(registrar.starts_with("A B A B"), "{registrar}");
    }
}
