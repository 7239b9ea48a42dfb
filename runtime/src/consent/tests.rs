//! One test per binding of a grant: code, site (origin and cloud id),
//! principal, app id, scopes; and the operator policy over all of them.

use super::*;

fn scopes(names: &[&str]) -> DeclaredScopes {
    names.iter().map(|n| n.parse::<Scope>().unwrap()).collect()
}

fn scope(name: &str) -> Scope {
    name.parse().unwrap()
}

fn key() -> GrantKey {
    GrantKey {
        site: SiteIdentity {
            origin: "https://kiln.atlassian.net".to_owned(),
            cloud_id: "c0ffee-1".to_owned(),
        },
        principal: PrincipalIdentity {
            user: Some("api-token:alice@example.com".to_owned()),
            app: Some("app-client:svc-1".to_owned()),
        },
        app_id: "hello-jira".to_owned(),
        component: ComponentDigest::of(b"hello-jira v1"),
    }
}

fn never_ask(_: &ApprovalRequest) -> std::io::Result<bool> {
    panic!("must not prompt")
}

/// Consent for `key` under the default operator policy, in `mode`, never
/// prompting.
fn consent_without_prompt(
    store: &GrantStore,
    key: &GrantKey,
    declared: &DeclaredScopes,
    mode: ApprovalMode,
) -> Result<(), ConsentError> {
    ensure_consent(
        key,
        declared,
        store,
        &OperatorPolicy::default(),
        mode,
        never_ask,
    )
}

/// Approves `declared` for `key` without asking.
fn approve(store: &GrantStore, key: &GrantKey, declared: &DeclaredScopes) {
    consent_without_prompt(store, key, declared, ApprovalMode::Preapproved).unwrap();
}

/// What a non-interactive run with `key` is told.
fn request_for(store: &GrantStore, key: &GrantKey, declared: &DeclaredScopes) -> ApprovalRequest {
    match consent_without_prompt(store, key, declared, ApprovalMode::NonInteractive) {
        Err(ConsentError::NotApproved { request }) => *request,
        other => panic!("expected NotApproved, got {other:?}"),
    }
}

fn runs_without_asking(store: &GrantStore, key: &GrantKey, declared: &DeclaredScopes) -> bool {
    consent_without_prompt(store, key, declared, ApprovalMode::NonInteractive).is_ok()
}

#[test]
fn non_interactive_without_grant_fails_and_names_the_flag_and_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let declared = scopes(&["read:jira-work"]);
    let request = request_for(&store, &key(), &declared);
    assert_eq!(request.reason, ApprovalReason::FirstUse);
    assert_eq!(request.diff.added, vec![scope("read:jira-work")]);
    let err = ConsentError::NotApproved {
        request: Box::new(request),
    }
    .to_string();
    assert!(err.contains("--approve-scopes"), "{err}");
    assert!(err.contains(key().component.as_str()), "{err}");
    assert!(store.load("hello-jira").unwrap().is_empty());
}

#[test]
fn the_same_key_runs_without_asking_and_scopes_may_shrink() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    approve(
        &store,
        &key(),
        &scopes(&["read:jira-work", "write:jira-work"]),
    );
    assert!(runs_without_asking(
        &store,
        &key(),
        &scopes(&["read:jira-work"])
    ));
    assert!(runs_without_asking(
        &store,
        &key(),
        &DeclaredScopes::default()
    ));
}

#[test]
fn binding_scopes_more_scopes_are_asked_and_only_the_new_ones_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    approve(&store, &key(), &scopes(&["read:jira-work"]));
    let grown = scopes(&["read:jira-work", "write:jira-work"]);
    let request = request_for(&store, &key(), &grown);
    assert_eq!(request.reason, ApprovalReason::ScopesAdded);
    assert_eq!(request.unapproved, vec![scope("write:jira-work")]);
    assert_eq!(request.diff.added, vec![scope("write:jira-work")]);
    assert_eq!(request.diff.kept, vec![scope("read:jira-work")]);

    let mut asked = None;
    ensure_consent(
        &key(),
        &grown,
        &store,
        &OperatorPolicy::default(),
        ApprovalMode::Interactive,
        |r| {
            asked = Some(r.clone());
            Ok(true)
        },
    )
    .unwrap();
    assert_eq!(asked.unwrap(), request);
    assert!(runs_without_asking(&store, &key(), &grown));
}

#[test]
fn binding_code_another_component_under_the_same_id_is_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    approve(
        &store,
        &key(),
        &scopes(&["read:jira-work", "read:jira-user"]),
    );
    let mut impostor = key();
    impostor.component = ComponentDigest::of(b"another component claiming hello-jira");
    // Even asking for fewer scopes, other code inherits nothing.
    let request = request_for(
        &store,
        &impostor,
        &scopes(&["read:jira-work", "write:jira-work"]),
    );
    assert_eq!(
        request.reason,
        ApprovalReason::CodeChanged {
            previous: key().component
        }
    );
    assert_eq!(
        request.unapproved,
        vec![scope("read:jira-work"), scope("write:jira-work")],
        "new code is approved afresh, every scope"
    );
    assert_eq!(request.diff.added, vec![scope("write:jira-work")]);
    assert_eq!(request.diff.removed, vec![scope("read:jira-user")]);
    assert_eq!(request.diff.kept, vec![scope("read:jira-work")]);
    assert_eq!(request.component, impostor.component);

    // Approving the update replaces the old code's grant on this site.
    approve(&store, &impostor, &scopes(&["read:jira-work"]));
    assert!(runs_without_asking(
        &store,
        &impostor,
        &scopes(&["read:jira-work"])
    ));
    assert!(!runs_without_asking(
        &store,
        &key(),
        &scopes(&["read:jira-work"])
    ));
}

#[test]
fn binding_site_origin_another_site_is_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let declared = scopes(&["read:jira-work"]);
    approve(&store, &key(), &declared);
    let mut elsewhere = key();
    elsewhere.site.origin = "https://other.atlassian.net".to_owned();
    let request = request_for(&store, &elsewhere, &declared);
    assert_eq!(
        request.reason,
        ApprovalReason::SiteChanged {
            approved_on: vec![key().site]
        }
    );
    assert_eq!(request.diff.added, vec![scope("read:jira-work")]);
    // Approving there keeps the first site's grant.
    approve(&store, &elsewhere, &declared);
    assert!(runs_without_asking(&store, &key(), &declared));
    assert!(runs_without_asking(&store, &elsewhere, &declared));
}

#[test]
fn binding_site_cloud_id_the_same_origin_with_another_cloud_id_is_another_site() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let declared = scopes(&["read:jira-work"]);
    approve(&store, &key(), &declared);
    let mut moved = key();
    moved.site.cloud_id = "dead-beef".to_owned();
    assert!(matches!(
        request_for(&store, &moved, &declared).reason,
        ApprovalReason::SiteChanged { .. }
    ));
}

#[test]
fn binding_principal_another_account_on_the_same_site_is_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let declared = scopes(&["read:jira-work"]);
    approve(&store, &key(), &declared);
    for change in [
        |p: &mut PrincipalIdentity| p.user = Some("api-token:mallory@example.com".to_owned()),
        |p: &mut PrincipalIdentity| p.user = Some("oauth-login:client-9".to_owned()),
        |p: &mut PrincipalIdentity| p.app = None,
        |p: &mut PrincipalIdentity| p.app = Some("app-client:svc-2".to_owned()),
    ] {
        let mut other = key();
        change(&mut other.principal);
        assert_eq!(
            request_for(&store, &other, &declared).reason,
            ApprovalReason::PrincipalChanged {
                approved_for: vec![key().principal]
            },
            "{:?}",
            other.principal
        );
    }
}

#[test]
fn binding_app_id_the_same_code_under_another_id_is_not_approved() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let declared = scopes(&["read:jira-work"]);
    approve(&store, &key(), &declared);
    let mut renamed = key();
    renamed.app_id = "hello-jira-2".to_owned();
    assert_eq!(
        request_for(&store, &renamed, &declared).reason,
        ApprovalReason::FirstUse
    );
}

#[test]
fn declining_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let err = ensure_consent(
        &key(),
        &scopes(&["read:jira-work"]),
        &store,
        &OperatorPolicy::default(),
        ApprovalMode::Interactive,
        |_| Ok(false),
    )
    .unwrap_err();
    assert!(matches!(err, ConsentError::Declined { .. }));
    assert!(store.load("hello-jira").unwrap().is_empty());
}

#[test]
fn policy_prohibition_overrides_approval() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let policy = OperatorPolicy::forbidding([scope("manage:jira-configuration")]);
    let err = ensure_consent(
        &key(),
        &scopes(&["read:jira-work", "manage:jira-configuration"]),
        &store,
        &policy,
        ApprovalMode::Preapproved,
        never_ask,
    )
    .unwrap_err();
    match err {
        ConsentError::Forbidden { scopes } => {
            assert_eq!(scopes, vec![scope("manage:jira-configuration")])
        }
        other => panic!("expected Forbidden, got {other}"),
    }
    assert!(store.load("hello-jira").unwrap().is_empty());
}

#[test]
fn policy_preapproval_is_by_digest_and_covers_only_its_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let policy = OperatorPolicy::default().preapproving(PreApproval {
        sha256: key().component,
        scopes: [scope("read:jira-work")].into(),
        sites: None,
        egress: Default::default(),
    });
    let run = |key: &GrantKey, declared: &DeclaredScopes| {
        ensure_consent(
            key,
            declared,
            &store,
            &policy,
            ApprovalMode::NonInteractive,
            never_ask,
        )
    };
    run(&key(), &scopes(&["read:jira-work"])).unwrap();
    assert!(
        store.load("hello-jira").unwrap().is_empty(),
        "a pre-approval is not copied into the user's grants"
    );
    let mut other_code = key();
    other_code.component = ComponentDigest::of(b"not the pre-approved code");
    assert!(matches!(
        run(&other_code, &scopes(&["read:jira-work"])),
        Err(ConsentError::NotApproved { .. })
    ));
    match run(&key(), &scopes(&["read:jira-work", "write:jira-work"])) {
        Err(ConsentError::NotApproved { request }) => {
            assert_eq!(request.unapproved, vec![scope("write:jira-work")])
        }
        other => panic!("expected NotApproved, got {other:?}"),
    }
}

#[test]
fn the_grant_binds_the_egress_backends() {
    let dir = tempfile::tempdir().unwrap();
    let store = GrantStore::new(dir.path());
    let declared = scopes(&["read:jira-work"]);
    let run = |egress: &[&str], mode| {
        let egress: Vec<String> = egress.iter().map(|s| s.to_string()).collect();
        ensure_consent_with_egress(
            &key(),
            &declared,
            &egress,
            &store,
            &OperatorPolicy::default(),
            mode,
            never_ask,
        )
    };
    run(&["https://api.example.com"], ApprovalMode::Preapproved).unwrap();
    // The same backends (or fewer) run without asking.
    run(&["https://api.example.com"], ApprovalMode::NonInteractive).unwrap();
    run(&[], ApprovalMode::NonInteractive).unwrap();
    // A widened allowlist, same code and scopes: asked again, naming it.
    match run(
        &["https://api.example.com", "https://*.evil.example"],
        ApprovalMode::NonInteractive,
    ) {
        Err(ConsentError::NotApproved { request }) => {
            assert_eq!(request.reason, ApprovalReason::ScopesAdded);
            assert_eq!(request.unapproved_egress, ["https://*.evil.example"]);
            assert!(request.unapproved.is_empty());
        }
        other => panic!("expected NotApproved, got {other:?}"),
    }
}
