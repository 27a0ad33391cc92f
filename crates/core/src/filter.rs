//! Which Pavise filter is which: the one list of filters, their names and their chain order.
//!
//! Every other list of filters (the CLI's filter table, the combined policy's members, the
//! verdicts the audit filter reads) is derived from [`Filter::ALL`], so adding or reordering a
//! filter is one edit here.

/// One Pavise filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Filter {
    Audit,
    Cors,
    Auth,
    Screen,
}

impl Filter {
    /// Every filter, in chain order: audit first (it sees every request, including those a
    /// later filter answers), then cors (a preflight carries no credentials), auth, screen.
    pub const ALL: [Filter; 4] = [Filter::Audit, Filter::Cors, Filter::Auth, Filter::Screen];

    /// The filters that hand a verdict to the audit filter, in chain order.
    pub const DECIDING: [Filter; 3] = [Filter::Cors, Filter::Auth, Filter::Screen];

    /// The short name: a combined policy's member, a verdict's `filter`, the metric prefix
    /// (`audit`, `cors`, `auth`, `screen`).
    pub const fn member(self) -> &'static str {
        match self {
            Filter::Audit => "audit",
            Filter::Cors => "cors",
            Filter::Auth => "auth",
            Filter::Screen => "screen",
        }
    }

    /// The filter's name in Envoy configs and log lines (`pavise.auth`).
    pub const fn name(self) -> &'static str {
        match self {
            Filter::Audit => "pavise.audit",
            Filter::Cors => "pavise.cors",
            Filter::Auth => "pavise.auth",
            Filter::Screen => "pavise.screen",
        }
    }

    /// Position in the chain (0 runs first).
    pub fn position(self) -> usize {
        Filter::ALL
            .iter()
            .position(|f| *f == self)
            .unwrap_or(Filter::ALL.len())
    }

    /// The filter with short name `member`, if any.
    pub fn from_member(member: &str) -> Option<Filter> {
        Filter::ALL.into_iter().find(|f| f.member() == member)
    }

    /// The filter with Envoy name `name` (`pavise.auth`), if any.
    pub fn from_name(name: &str) -> Option<Filter> {
        Filter::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_order() {
        let members: Vec<&str> = Filter::ALL.iter().map(|f| f.member()).collect();
        assert_eq!(members, ["audit", "cors", "auth", "screen"]);
        for f in Filter::ALL {
            assert_eq!(f.name(), format!("pavise.{}", f.member()));
            assert_eq!(Filter::from_member(f.member()), Some(f));
            assert_eq!(Filter::from_name(f.name()), Some(f));
            assert_eq!(Filter::ALL.get(f.position()), Some(&f));
        }
        assert_eq!(Filter::from_member("authn"), None);
        assert_eq!(
            Filter::DECIDING.to_vec(),
            Filter::ALL
                .iter()
                .copied()
                .filter(|f| *f != Filter::Audit)
                .collect::<Vec<_>>()
        );
    }
}
