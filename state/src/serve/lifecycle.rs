//! Forge's lifecycle events (`avi:forge:installed:app`, `avi:forge:upgraded:app`), as the
//! state layer queues them.
//!
//! The host builds the events an approval would raise (one per subscribed trigger); the
//! backend decides which of them to queue **inside the transaction that records the
//! approval**, from the registry row that transaction replaces ([`LifecycleChange::of`]).
//! Deciding there, and not from a row the host read earlier, is what makes each change raise
//! its event exactly once:
//!
//! - two replicas approving the same new code at the same moment: the second transaction
//!   waits for the first (SQLite's one writer; PostgreSQL's row lock on the installation)
//!   and then finds the code already approved;
//! - a crash: the approval and its event are committed together or not at all, so a restart
//!   neither loses the event nor raises it again.
//!
//! Lifecycle events are queued past the queue's bounds: they come from an operator's
//! approval (at most one per trigger per approval), not from a site or a guest, and an
//! approval is not refused because apps filled the queue.

use super::queue::{NewEvent, QueueLimits};
use super::types::{ComponentSha256, InstallRecord, ModuleKey};
use crate::installation::Installation;

/// What recording an approval changed, as Forge's lifecycle events name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleChange {
    /// Nothing to announce: the same code approved again (new scopes, a new site binding,
    /// a rollback to the approved code), or a record that approves nothing.
    Unchanged,
    /// The installation's first approval: `avi:forge:installed:app`.
    Installed,
    /// Approved for other code than the code approved before: `avi:forge:upgraded:app`.
    Upgraded,
}

/// The part of the registry row an install replaces that decides the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    /// The code approved until now (`None`: no approval, or one in the old unbound format).
    pub approved: Option<ComponentSha256>,
    /// Whether it was held.
    pub held: bool,
}

impl LifecycleChange {
    /// For logs: `unchanged`, or the event raised.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unchanged => "unchanged",
            Self::Installed => "avi:forge:installed:app",
            Self::Upgraded => "avi:forge:upgraded:app",
        }
    }

    /// The change from `replaced` (`None`: no registry row) to `next`.
    pub fn of(replaced: Option<&Replaced>, next: &InstallRecord) -> Self {
        let Some(approval) = &next.approval else {
            // Registered but held before any code was approved: nothing runs yet.
            return Self::Unchanged;
        };
        match replaced {
            None => Self::Installed,
            Some(Replaced {
                approved: Some(before),
                ..
            }) if *before == approval.component => Self::Unchanged,
            Some(Replaced {
                approved: Some(_), ..
            }) => Self::Upgraded,
            // Registered and held before any code was approved (`kiln.toml`'s `sha256` named
            // other code): this approval is its first.
            Some(Replaced {
                approved: None,
                held: true,
            }) => Self::Installed,
            // An approval in the old, unbound format: the installation was served before.
            Some(Replaced {
                approved: None,
                held: false,
            }) => Self::Unchanged,
        }
    }
}

/// One trigger's event: which module runs, with what payload. The installation is the
/// installed record's, so an install cannot queue events for another one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleEvent {
    pub module_key: ModuleKey,
    pub payload: Vec<u8>,
}

/// The events each change would raise, built by the host for the installation it records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleEvents {
    pub installed: Vec<LifecycleEvent>,
    pub upgraded: Vec<LifecycleEvent>,
}

impl LifecycleEvents {
    /// None: an install that announces nothing.
    pub const NONE: &'static LifecycleEvents = &LifecycleEvents {
        installed: Vec::new(),
        upgraded: Vec::new(),
    };

    /// The events `change` raises for `installation`, to queue at once.
    pub fn raised_by(&self, change: LifecycleChange, installation: &Installation) -> Vec<NewEvent> {
        let raised = match change {
            LifecycleChange::Unchanged => &[][..],
            LifecycleChange::Installed => &self.installed,
            LifecycleChange::Upgraded => &self.upgraded,
        };
        raised
            .iter()
            .map(|e| {
                NewEvent::new(
                    installation.clone(),
                    e.module_key.clone(),
                    e.payload.clone(),
                )
            })
            .collect()
    }

    /// The longest payload, for the queue's payload bound.
    pub fn largest_payload(&self) -> usize {
        self.installed
            .iter()
            .chain(&self.upgraded)
            .map(|e| e.payload.len())
            .max()
            .unwrap_or(0)
    }

    /// `limits` with the depth bounds lifted (see the module docs); the payload bound and
    /// everything else kept.
    pub(super) fn unbounded(limits: &QueueLimits) -> QueueLimits {
        QueueLimits {
            max_total: u64::MAX,
            max_per_installation: u64::MAX,
            max_jobs_per_installation: u64::MAX,
            ..*limits
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::{
        ApprovalBinding, ApprovedScopes, GrantIdentity, Hold, HoldReason, SiteBinding, UnixMillis,
    };

    fn digest(byte: char) -> ComponentSha256 {
        ComponentSha256::new(byte.to_string().repeat(64)).expect("digest")
    }

    fn record(approved: Option<char>) -> InstallRecord {
        InstallRecord {
            installation: Installation::new("app", "site", "development").expect("installation"),
            scopes: ApprovedScopes::new(Vec::new()).expect("scopes"),
            grant: GrantIdentity::Simulator,
            approval: approved.map(|c| ApprovalBinding {
                site: SiteBinding::new("https://site.example", "cloud").expect("site"),
                component: digest(c),
            }),
            hold: None,
            paused: false,
            installed_at: UnixMillis(1),
        }
    }

    fn replaced(approved: Option<char>, held: bool) -> Replaced {
        Replaced {
            approved: approved.map(digest),
            held,
        }
    }

    #[test]
    fn each_approval_names_its_change() {
        use LifecycleChange::*;
        let next = record(Some('a'));
        assert_eq!(LifecycleChange::of(None, &next), Installed);
        assert_eq!(
            LifecycleChange::of(Some(&replaced(None, true)), &next),
            Installed,
            "held before any approval"
        );
        assert_eq!(
            LifecycleChange::of(Some(&replaced(None, false)), &next),
            Unchanged,
            "an old, unbound approval was served"
        );
        assert_eq!(
            LifecycleChange::of(Some(&replaced(Some('a'), false)), &next),
            Unchanged
        );
        assert_eq!(
            LifecycleChange::of(Some(&replaced(Some('a'), true)), &next),
            Unchanged,
            "a rollback to the approved code"
        );
        assert_eq!(
            LifecycleChange::of(Some(&replaced(Some('b'), true)), &next),
            Upgraded
        );
        assert_eq!(
            LifecycleChange::of(Some(&replaced(Some('b'), false)), &next),
            Upgraded
        );
        let held = InstallRecord {
            hold: Some(Hold {
                reason: HoldReason::ComponentChanged,
                pending: digest('c'),
            }),
            ..record(None)
        };
        assert_eq!(LifecycleChange::of(None, &held), Unchanged);
    }
}
