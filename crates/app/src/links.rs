//! Absolute links for what leaves the application (e-mails): a relative path cannot be clicked
//! in a mail client.

/// Builds absolute links from the configured public address.
#[derive(Debug, Clone, Default)]
pub struct Links {
    base: Option<String>,
}

impl Links {
    /// `public_url` as configured (`https://lanhmang.example.vn`, with or without a final slash).
    pub fn new(public_url: Option<&str>) -> Links {
        Links {
            base: public_url
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty()),
        }
    }

    pub fn is_set(&self) -> bool {
        self.base.is_some()
    }

    /// The absolute address of `path` (which starts with `/`); the path alone when no public
    /// address is configured (`serve` warns about that at start).
    pub fn url(&self, path: &str) -> String {
        match &self.base {
            Some(base) => format!("{base}{path}"),
            None => path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Links;

    #[test]
    fn absolute_when_configured() {
        let l = Links::new(Some("https://lanhmang.example.vn/"));
        assert_eq!(l.url("/ke-hoach/3"), "https://lanhmang.example.vn/ke-hoach/3");
        assert!(l.is_set());
        let none = Links::new(Some("  "));
        assert_eq!(none.url("/ke-hoach/3"), "/ke-hoach/3");
        assert!(!none.is_set());
    }
}
