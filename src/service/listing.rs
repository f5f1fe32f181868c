//! What list operations share: the page asked for and the sort order, as Rocket.Chat's
//! `getPaginationItems` and `parseJsonQuery` read them.

use std::cmp::Ordering;

/// Where a page starts and how long it is; `count: None` runs to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub offset: usize,
    pub count: Option<usize>,
}

impl Default for Page {
    fn default() -> Self {
        Page::new(None, None, CountLimits::default())
    }
}

/// The settings every list obeys: Rocket.Chat's `API_Default_Count`,
/// `API_Upper_Count_Limit` and `API_Allow_Infinite_Count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountLimits {
    pub default: usize,
    pub upper: usize,
    pub infinite: bool,
}

impl Default for CountLimits {
    fn default() -> Self {
        CountLimits {
            default: 50,
            upper: 100,
            infinite: true,
        }
    }
}

impl Page {
    /// From the request's numbers, as `getPaginationItems`: `count` absent is the default,
    /// above the upper limit is the limit, and 0 or less is everything while infinite counts
    /// are allowed (the default otherwise); a negative offset is 0.
    pub fn new(offset: Option<f64>, count: Option<f64>, limits: CountLimits) -> Self {
        let count = match count.map(f64::trunc) {
            None => Some(limits.default),
            Some(n) if n <= 0.0 || n.is_nan() => (!limits.infinite).then_some(limits.default),
            Some(n) => Some((n as usize).min(limits.upper)),
        };
        let offset = offset.map_or(0.0, f64::trunc).max(0.0) as usize;
        Page { offset, count }
    }

    /// The items of this page.
    pub fn of<T>(self, items: Vec<T>) -> Vec<T> {
        let rest = items.into_iter().skip(self.offset);
        match self.count {
            Some(n) => rest.take(n).collect(),
            None => rest.collect(),
        }
    }
}

/// One key of a `sort` object and its direction (`1` ascending, `-1` descending).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortKey {
    pub field: String,
    pub descending: bool,
}

/// Orders by `keys` in turn; a key `compare` does not know (returns `None` for) is skipped,
/// as a sort on a missing field leaves Mongo's order alone. `tie` breaks what remains.
pub fn sort_by<T>(
    items: &mut [T],
    keys: &[SortKey],
    compare: impl Fn(&str, &T, &T) -> Option<Ordering>,
    tie: impl Fn(&T, &T) -> Ordering,
) {
    items.sort_by(|a, b| {
        keys.iter()
            .filter_map(|key| {
                let order = compare(&key.field, a, b)?;
                Some(if key.descending {
                    order.reverse()
                } else {
                    order
                })
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| tie(a, b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_rocket_chats_defaults() {
        let page = |o, c| Page::new(o, c, CountLimits::default());
        assert_eq!(
            page(None, None),
            Page {
                offset: 0,
                count: Some(50)
            }
        );
        assert_eq!(
            page(Some(5.0), Some(500.0)),
            Page {
                offset: 5,
                count: Some(100)
            }
        );
        assert_eq!(
            page(Some(-3.0), Some(0.0)),
            Page {
                offset: 0,
                count: None
            }
        );
        assert_eq!(
            page(None, Some(-1.0)),
            Page {
                offset: 0,
                count: None
            }
        );
        assert_eq!(
            page(Some(1.9), Some(2.7)),
            Page {
                offset: 1,
                count: Some(2)
            }
        );
        assert_eq!(page(Some(1.0), Some(2.0)).of(vec![1, 2, 3, 4]), vec![2, 3]);
        assert_eq!(
            page(Some(1.0), Some(0.0)).of(vec![1, 2, 3, 4]),
            vec![2, 3, 4]
        );
    }

    #[test]
    fn pages_follow_the_count_settings() {
        let limits = CountLimits {
            default: 7,
            upper: 20,
            infinite: false,
        };
        let count = |c| Page::new(None, c, limits).count;
        assert_eq!(count(None), Some(7));
        assert_eq!(count(Some(500.0)), Some(20));
        assert_eq!(count(Some(0.0)), Some(7));
        assert_eq!(count(Some(-1.0)), Some(7));
        assert_eq!(count(Some(3.0)), Some(3));
    }

    #[test]
    fn sorts_by_known_keys_in_turn() {
        let mut items = vec![(1, "b"), (2, "a"), (1, "a")];
        let key = |f: &str, d| SortKey {
            field: f.into(),
            descending: d,
        };
        let compare = |f: &str, a: &(i32, &str), b: &(i32, &str)| match f {
            "n" => Some(a.0.cmp(&b.0)),
            "s" => Some(a.1.cmp(b.1)),
            _ => None,
        };
        sort_by(
            &mut items,
            &[key("x", false), key("n", true), key("s", false)],
            compare,
            |_, _| Ordering::Equal,
        );
        assert_eq!(items, vec![(2, "a"), (1, "a"), (1, "b")]);
    }
}
