//! Brute-force protection for login, as Rocket.Chat blocks it: too many failed logins for one
//! username, or from one client address, within a window block further attempts until the
//! window has passed. Counters live in memory only.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::model::Millis;

/// The thresholds. By default they come from the `Block_Multiple_Failed_Logins_*` settings
/// ([`LoginLimits::from_settings`]); a fixed set replaces them in tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failed logins for one username before it is blocked (`usize::MAX`: never).
    pub max_failures_per_user: usize,
    /// Failed logins from one client address before it is blocked (`usize::MAX`: never).
    pub max_failures_per_ip: usize,
    /// How far back failures count, in milliseconds (the per-address window too, unless
    /// `ip_window_ms` says otherwise).
    pub window_ms: Millis,
    /// The per-address window; `None`: `window_ms`.
    pub ip_window_ms: Option<Millis>,
}

impl Default for LoginLimits {
    /// Rocket.Chat's defaults: 10 per user, 50 per address, within 5 minutes.
    fn default() -> Self {
        LoginLimits {
            max_failures_per_user: 10,
            max_failures_per_ip: 50,
            window_ms: 5 * 60 * 1000,
            ip_window_ms: None,
        }
    }
}

impl LoginLimits {
    /// The limits the `Block_Multiple_Failed_Logins_*` settings set: none while
    /// `…_Enabled` is off, and none per user (per address) while `…_By_User` (`…_By_Ip`) is.
    pub fn from_settings(settings: &super::SettingValues) -> Self {
        let id = |suffix: &str| format!("Block_Multiple_Failed_Logins_{suffix}");
        let on = |suffix: &str| settings.flag(&id("Enabled")) && settings.flag(&id(suffix));
        let count = |enabled: bool, suffix: &str| match enabled {
            true => usize::try_from(settings.number(&id(suffix))).unwrap_or(usize::MAX),
            false => usize::MAX,
        };
        let minutes = |suffix: &str| settings.number(&id(suffix)).max(0).saturating_mul(60_000);
        LoginLimits {
            max_failures_per_user: count(on("By_User"), "Attempts_Until_Block_by_User"),
            max_failures_per_ip: count(on("By_Ip"), "Attempts_Until_Block_By_Ip"),
            window_ms: minutes("Time_To_Unblock_By_User_In_Minutes"),
            ip_window_ms: Some(minutes("Time_To_Unblock_By_Ip_In_Minutes")),
        }
    }

    fn ip_window(&self) -> Millis {
        self.ip_window_ms.unwrap_or(self.window_ms)
    }
}

/// Which counter refused a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    User,
    Ip,
}

/// How many accounts and addresses are tracked at most; past that the one idle longest is
/// forgotten. With keys of at most 64 bytes and at most `max_failures` times each, this
/// bounds the memory of a flood of made-up names to a few tens of MiB.
pub const MAX_TRACKED: usize = 100_000;

/// Recent failure times per account and per address.
#[derive(Default)]
pub(super) struct LoginGuard {
    failures: Mutex<Failures>,
}

#[derive(Default)]
struct Failures {
    by_user: HashMap<String, VecDeque<Millis>>,
    by_ip: HashMap<String, VecDeque<Millis>>,
    /// Checks so far, to sweep expired keys now and then.
    checks: u64,
}

/// Forgets failures older than the window, and keys left with none, so memory follows only
/// the failures of the last window.
fn prune(map: &mut HashMap<String, VecDeque<Millis>>, since: Millis) {
    map.retain(|_, times| {
        while times.front().is_some_and(|&t| t <= since) {
            times.pop_front();
        }
        !times.is_empty()
    });
}

/// The address as the counter keys it: an IPv6 address by its /64, which one client usually
/// holds whole, so rotating through it does not buy fresh guesses.
pub(super) fn address_key(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().expect("checked").to_string(),
        _ => address.to_string(),
    }
}

/// Forgets the failures of one key older than the window.
fn prune_key(map: &mut HashMap<String, VecDeque<Millis>>, key: &str, since: Millis) {
    if let Some(times) = map.get_mut(key) {
        while times.front().is_some_and(|&t| t <= since) {
            times.pop_front();
        }
        if times.is_empty() {
            map.remove(key);
        }
    }
}

fn count(map: &HashMap<String, VecDeque<Millis>>, key: &str) -> usize {
    map.get(key).map_or(0, VecDeque::len)
}

/// Records a failure at `now` under `key`, keeping only the newest `keep` times and at most
/// [`MAX_TRACKED`] keys. When full, the idlest key that is not blocked makes room; a blocked
/// key is never forgotten early, so flooding made-up names cannot lift a block. If every key
/// is blocked, the new one is not tracked.
fn record(map: &mut HashMap<String, VecDeque<Millis>>, key: &str, now: Millis, keep: usize) {
    if !map.contains_key(key) && map.len() >= MAX_TRACKED {
        let idlest = map
            .iter()
            .filter(|(_, times)| times.len() < keep)
            .min_by_key(|(_, times)| times.back().copied().unwrap_or(Millis::MIN))
            .map(|(k, _)| k.clone());
        match idlest {
            Some(idlest) => {
                map.remove(&idlest);
            }
            None => return,
        }
    }
    let times = map.entry(key.to_string()).or_default();
    times.push_back(now);
    while times.len() > keep.max(1) {
        times.pop_front();
    }
}

impl LoginGuard {
    pub(super) fn new() -> Self {
        LoginGuard {
            failures: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a login for `user` from `ip` is blocked at `now` under `limits`.
    pub(super) fn check(
        &self,
        limits: &LoginLimits,
        user: &str,
        ip: Option<&str>,
        now: Millis,
    ) -> Option<Blocked> {
        let mut f = self.lock();
        let (since, ip_since) = (now - limits.window_ms, now - limits.ip_window());
        // A full sweep is O(keys): do it now and then, and when a map is full, not per login.
        f.checks = f.checks.wrapping_add(1);
        if f.checks.is_multiple_of(256)
            || f.by_user.len() >= MAX_TRACKED
            || f.by_ip.len() >= MAX_TRACKED
        {
            prune(&mut f.by_user, since);
            prune(&mut f.by_ip, ip_since);
        }
        prune_key(&mut f.by_user, user, since);
        if let Some(ip) = ip {
            prune_key(&mut f.by_ip, ip, ip_since);
        }
        if count(&f.by_user, user) >= limits.max_failures_per_user {
            return Some(Blocked::User);
        }
        match ip {
            Some(ip) if count(&f.by_ip, ip) >= limits.max_failures_per_ip => Some(Blocked::Ip),
            _ => None,
        }
    }

    /// Records a failed login under `limits` (a limit of never keeps nothing).
    pub(super) fn failed(&self, limits: &LoginLimits, user: &str, ip: Option<&str>, now: Millis) {
        let mut f = self.lock();
        if limits.max_failures_per_user != usize::MAX {
            record(&mut f.by_user, user, now, limits.max_failures_per_user);
        }
        if let Some(ip) = ip
            && limits.max_failures_per_ip != usize::MAX
        {
            record(&mut f.by_ip, ip, now, limits.max_failures_per_ip);
        }
    }

    /// A successful login clears its username's counter (not its address's).
    pub(super) fn succeeded(&self, user: &str) {
        self.lock().by_user.remove(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: LoginLimits = LoginLimits {
        max_failures_per_user: 3,
        max_failures_per_ip: 5,
        window_ms: 1000,
        ip_window_ms: None,
    };

    fn guard() -> LoginGuard {
        LoginGuard::new()
    }

    #[test]
    fn a_username_is_blocked_after_its_limit_until_the_window_passes() {
        let g = guard();
        for t in 0..3 {
            assert_eq!(g.check(&LIMITS, "ada", Some("1.2.3.4"), t), None);
            g.failed(&LIMITS, "ada", Some("1.2.3.4"), t);
        }
        assert_eq!(
            g.check(&LIMITS, "ada", Some("9.9.9.9"), 10),
            Some(Blocked::User)
        );
        assert_eq!(g.check(&LIMITS, "bob", Some("9.9.9.9"), 10), None);
        assert_eq!(g.check(&LIMITS, "ada", None, 999), Some(Blocked::User));
        // The failure at t=0 is a full window old at t=1000: only two remain.
        assert_eq!(g.check(&LIMITS, "ada", None, 1000), None);
    }

    #[test]
    fn an_address_is_blocked_across_usernames() {
        let g = guard();
        for (t, user) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
            g.failed(&LIMITS, user, Some("1.2.3.4"), t as Millis);
        }
        assert_eq!(
            g.check(&LIMITS, "f", Some("1.2.3.4"), 10),
            Some(Blocked::Ip)
        );
        assert_eq!(g.check(&LIMITS, "f", Some("5.6.7.8"), 10), None);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_prefix() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_eq!(address_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(address_key("192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn memory_is_bounded_per_key_and_in_keys() {
        let g = guard();
        for t in 0..100 {
            g.failed(&LIMITS, "ada", Some("1.2.3.4"), t);
        }
        assert_eq!(
            count(&g.lock().by_user, "ada"),
            3,
            "only the newest `limit` times are kept"
        );
        assert_eq!(count(&g.lock().by_ip, "1.2.3.4"), 5);
        for i in 0..MAX_TRACKED + 10 {
            g.failed(&LIMITS, &format!("name{i}"), None, 200 + i as Millis);
        }
        let f = g.lock();
        assert_eq!(f.by_user.len(), MAX_TRACKED);
        assert!(
            f.by_user.contains_key("ada"),
            "a blocked key is never evicted"
        );
        assert!(
            !f.by_user.contains_key("name0"),
            "the idlest unblocked key went first"
        );
        assert!(f.by_user.contains_key(&format!("name{}", MAX_TRACKED + 9)));
    }

    #[test]
    fn success_resets_the_username_only_and_expired_keys_are_forgotten() {
        let g = guard();
        for t in 0..3 {
            g.failed(&LIMITS, "ada", Some("1.2.3.4"), t);
        }
        g.succeeded("ada");
        assert_eq!(g.check(&LIMITS, "ada", Some("1.2.3.4"), 5), None);
        g.failed(&LIMITS, "bob", None, 6);
        g.check(&LIMITS, "bob", Some("1.2.3.4"), 10_000);
        let f = g.lock();
        assert!(f.by_user.is_empty() && f.by_ip.is_empty());
    }
}
