//! Page arithmetic for the items list.

use serde::Serialize;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// Highest page number accepted; keeps OFFSET well inside i64.
pub const MAX_PAGE: u32 = 1_000_000;

/// SQL `OFFSET` for a page (pages start at 1).
pub fn offset(page: u32, per_page: u32) -> i64 {
    i64::from(page.saturating_sub(1)) * i64::from(per_page)
}

/// Number of pages needed for `total` rows (0 when there are none).
pub fn total_pages(total: i64, per_page: u32) -> i64 {
    if total <= 0 || per_page == 0 {
        return 0;
    }
    let per_page = i64::from(per_page);
    (total + per_page - 1) / per_page
}

/// The list envelope returned by `GET /api/items`.
#[derive(Debug, Clone, Serialize)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub total_pages: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        let cases = [
            (1, 20, 0),
            (2, 20, 20),
            (3, 7, 14),
            (MAX_PAGE, MAX_PER_PAGE, 99_999_900),
        ];
        for (page, per_page, expected) in cases {
            assert_eq!(offset(page, per_page), expected, "{page}/{per_page}");
        }
    }

    #[test]
    fn page_counts() {
        let cases = [
            (0, 20, 0),
            (1, 20, 1),
            (20, 20, 1),
            (21, 20, 2),
            (100, 100, 1),
            (-5, 10, 0),
        ];
        for (total, per_page, expected) in cases {
            assert_eq!(total_pages(total, per_page), expected, "{total}/{per_page}");
        }
    }
}
