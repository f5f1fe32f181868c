//! Rocket.Chat's REST rate limiter (Meteor's `RateLimiter`, one rule per route): calls of a
//! route from one client address are counted in a window that starts with the first call
//! after the last window ended, and resets for every address at once; the call that takes
//! the count past the limit is refused, and so is every later one in the window (refused
//! calls count too). Counters live in memory, per node, as in Rocket.Chat.

use std::collections::HashMap;
use std::sync::Mutex;

use super::auth::token_holder;
use super::caller::has_permission;
use super::login_limits::address_key;
use super::{Caller, Service, ServiceResult};
use crate::model::{LoginToken, Millis, Permission, UserId};

/// Addresses one route tracks in a window; past that, new ones share one counter, so a flood
/// of made-up addresses cannot grow memory (and gets itself refused together).
pub const MAX_TRACKED: usize = 100_000;

/// What the limiter says about one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    /// The route's limit.
    pub limit: u64,
    /// Calls left in this window (0 once refused).
    pub remaining: u64,
    /// When the window ends (epoch ms).
    pub reset_at: Millis,
    /// How long until then (ms).
    pub wait_ms: Millis,
}

/// One route's window.
struct Window {
    started: Millis,
    limit: u64,
    interval: Millis,
    calls: HashMap<String, u64>,
}

/// The counters of every route.
#[derive(Default)]
pub(super) struct RateLimits {
    routes: Mutex<HashMap<String, Window>>,
}

/// The shared counter of addresses beyond [`MAX_TRACKED`].
const OVERFLOW: &str = "(more addresses)";

impl RateLimits {
    fn count(
        &self,
        route: &str,
        address: &str,
        limit: u64,
        interval: Millis,
        now: Millis,
    ) -> RateDecision {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let window = routes.entry(route.to_string()).or_insert_with(|| Window {
            started: now,
            limit,
            interval,
            calls: HashMap::new(),
        });
        // A new window after the last one ended, or once the settings changed (Rocket.Chat
        // rebuilds its limiters then, which resets them).
        if now - window.started >= window.interval
            || window.limit != limit
            || window.interval != interval
        {
            *window = Window {
                started: now,
                limit,
                interval,
                calls: HashMap::new(),
            };
        }
        let key = address_key(address);
        let key = match window.calls.contains_key(&key) || window.calls.len() < MAX_TRACKED {
            true => key,
            false => OVERFLOW.to_string(),
        };
        let calls = window.calls.entry(key).or_default();
        *calls += 1;
        RateDecision {
            allowed: *calls <= limit,
            limit,
            remaining: limit.saturating_sub(*calls),
            reset_at: window.started + window.interval,
            wait_ms: window.started + window.interval - now,
        }
    }
}

impl Service {
    /// Counts one call of `route` from `address` against `limit` calls per `interval_ms`.
    pub fn count_call(
        &self,
        route: &str,
        address: &str,
        limit: u64,
        interval_ms: Millis,
    ) -> RateDecision {
        self.rate_limits
            .count(route, address, limit.max(1), interval_ms.max(1), self.now())
    }

    /// The caller the headers name, if they do, and whether it may skip the rate limiter
    /// (`api-bypass-rate-limit`: admins, bots and apps by default), in one read.
    pub fn caller_for_rate_limit(
        &self,
        user_id: &UserId,
        token: LoginToken,
    ) -> ServiceResult<(Caller, bool)> {
        let cutoff = self.token_expiry_cutoff(self.now());
        self.store.read(|tx| {
            let caller = token_holder(tx, user_id, token.hash(), cutoff)?;
            let bypass = has_permission(tx, &caller.user, Permission::ApiBypassRateLimit, None)?;
            Ok((caller, bypass))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_past_the_limit_is_refused_until_the_window_ends_for_everyone() {
        let limits = RateLimits::default();
        for i in 0..10 {
            let d = limits.count("/api/v1/loginpost", "10.0.0.1", 10, 60_000, 1_000 + i);
            assert_eq!(
                (d.allowed, d.remaining, d.reset_at),
                (true, 9 - i as u64, 61_000)
            );
        }
        let refused = limits.count("/api/v1/loginpost", "10.0.0.1", 10, 60_000, 2_000);
        assert_eq!((refused.allowed, refused.remaining), (false, 0));
        // Another address and another route have their own counts.
        assert!(
            limits
                .count("/api/v1/loginpost", "10.0.0.2", 10, 60_000, 2_000)
                .allowed
        );
        assert!(
            limits
                .count("/api/v1/meget", "10.0.0.1", 10, 60_000, 2_000)
                .allowed
        );
        // The window ends for every address at once.
        let next = limits.count("/api/v1/loginpost", "10.0.0.1", 10, 60_000, 61_000);
        assert_eq!(
            (next.allowed, next.remaining, next.reset_at),
            (true, 9, 121_000)
        );
    }

    #[test]
    fn an_ipv6_client_counts_by_its_slash_64_and_a_flood_of_addresses_shares_one_counter() {
        let limits = RateLimits::default();
        for i in 0..3 {
            limits.count("r", &format!("2001:db8::{i}"), 2, 60_000, 0);
        }
        assert!(!limits.count("r", "2001:db8::ff", 2, 60_000, 0).allowed);
        for i in 0..MAX_TRACKED as u32 {
            limits.count("s", &std::net::Ipv4Addr::from(i).to_string(), 5, 60_000, 0);
        }
        let beyond = limits.count("s", "255.255.255.255", 5, 60_000, 0);
        assert_eq!(beyond.remaining, 4);
        assert_eq!(
            limits.routes.lock().unwrap()["s"].calls.len(),
            MAX_TRACKED + 1
        );
    }
}
