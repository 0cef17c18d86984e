//! Pagination shared by every list in the pages and the API.

use serde::Deserialize;

/// The most rows one page may carry.
pub const MAX_PER_PAGE: u32 = 500;
pub const DEFAULT_PER_PAGE: u32 = 50;

/// A validated page request: `page` counts from 1, `per_page` is 1..=500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

/// What a client sent, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PagingQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PagingError {
    #[error("Tham số page phải là số nguyên từ 1 trở lên.")]
    Page,
    #[error("Tham số per_page phải là số nguyên từ 1 đến 500.")]
    PerPage,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl Paging {
    pub fn parse(query: &PagingQuery) -> Result<Paging, PagingError> {
        let page = match query.page.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(raw) => raw.parse::<u32>().ok().filter(|p| *p >= 1).ok_or(PagingError::Page)?,
        };
        let per_page = match query.per_page.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_PER_PAGE,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=MAX_PER_PAGE).contains(p))
                .ok_or(PagingError::PerPage)?,
        };
        Ok(Paging { page, per_page })
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    /// How many pages `total` rows fill (at least one, so an empty list still has page 1).
    pub fn page_count(&self, total: i64) -> u32 {
        let per = i64::from(self.per_page);
        let pages = (total.max(0) + per - 1) / per;
        u32::try_from(pages.max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(page: Option<&str>, per: Option<&str>) -> PagingQuery {
        PagingQuery {
            page: page.map(String::from),
            per_page: per.map(String::from),
        }
    }

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(Paging::parse(&q(None, None)), Ok(Paging::default()));
        assert_eq!(
            Paging::parse(&q(Some("3"), Some("500"))),
            Ok(Paging { page: 3, per_page: 500 })
        );
        assert_eq!(Paging::parse(&q(Some("0"), None)), Err(PagingError::Page));
        assert_eq!(Paging::parse(&q(Some("x"), None)), Err(PagingError::Page));
        assert_eq!(Paging::parse(&q(None, Some("501"))), Err(PagingError::PerPage));
        assert_eq!(Paging::parse(&q(None, Some("0"))), Err(PagingError::PerPage));
    }

    #[test]
    fn offsets_and_counts() {
        let p = Paging { page: 3, per_page: 20 };
        assert_eq!(p.offset(), 40);
        assert_eq!(p.page_count(0), 1);
        assert_eq!(p.page_count(41), 3);
    }
}
