//! The deployment kit (issue 16) kept consistent by a test: `deploy/kubernetes/`, the
//! `Dockerfile` and `docker-compose.yml` parse, agree with each other (ports, user, writable
//! paths, secret names) and keep the security settings docs/operations.md promises. If the
//! `runtime serve` sources are in the tree, the probe paths and environment names are
//! checked against them too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

fn yaml(relative: &str) -> Vec<Yaml> {
    YamlLoader::load_from_str(&read(relative))
        .unwrap_or_else(|e| panic!("{relative} is not valid YAML: {e}"))
}

fn one(relative: &str) -> Yaml {
    let mut docs = yaml(relative);
    assert_eq!(docs.len(), 1, "{relative}: one document");
    docs.remove(0)
}

fn strings(node: &Yaml) -> Vec<String> {
    node.as_vec()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

const K8S: &str = "deploy/kubernetes";

fn manifest(kind: &str) -> Yaml {
    let kustomization = one(&format!("{K8S}/kustomization.yaml"));
    for file in strings(&kustomization["resources"]) {
        let doc = one(&format!("{K8S}/{file}"));
        if doc["kind"].as_str() == Some(kind) {
            return doc;
        }
    }
    panic!("no {kind} in {K8S}");
}

fn container() -> Yaml {
    manifest("Deployment")["spec"]["template"]["spec"]["containers"][0].clone()
}

/// `runtime serve`'s environment, as the Deployment passes it.
fn deployment_env() -> BTreeSet<String> {
    container()["env"]
        .as_vec()
        .expect("env")
        .iter()
        .map(|e| e["name"].as_str().expect("env name").to_owned())
        .collect()
}

#[test]
fn every_manifest_parses_and_the_kustomization_lists_them_all() {
    let kustomization = one(&format!("{K8S}/kustomization.yaml"));
    let listed: BTreeSet<String> = strings(&kustomization["resources"]).into_iter().collect();
    let present: BTreeSet<String> = std::fs::read_dir(root().join(K8S))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml") && name != "kustomization.yaml")
        .collect();
    assert_eq!(listed, present);
    for file in &listed {
        let doc = one(&format!("{K8S}/{file}"));
        assert!(doc["apiVersion"].as_str().is_some(), "{file}: apiVersion");
        assert!(doc["metadata"]["name"].as_str().is_some(), "{file}: name");
    }
    let kinds: BTreeSet<String> = listed
        .iter()
        .map(|f| {
            one(&format!("{K8S}/{f}"))["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for kind in [
        "Deployment",
        "Secret",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "Service",
    ] {
        assert!(kinds.contains(kind), "missing {kind}");
    }
}

#[test]
fn the_deployment_is_locked_down_and_probed() {
    let deployment = manifest("Deployment");
    let spec = &deployment["spec"];
    assert_eq!(spec["replicas"].as_i64(), Some(3));
    assert_eq!(
        spec["strategy"]["rollingUpdate"]["maxUnavailable"].as_i64(),
        Some(0)
    );
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"].as_bool(), Some(false));
    assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true));
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"].as_str(),
        Some("RuntimeDefault")
    );
    let c = container();
    let security = &c["securityContext"];
    assert_eq!(security["allowPrivilegeEscalation"].as_bool(), Some(false));
    assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(strings(&security["capabilities"]["drop"]), vec!["ALL"]);
    for bound in ["requests", "limits"] {
        for resource in ["cpu", "memory"] {
            assert!(
                !c["resources"][bound][resource].is_badvalue(),
                "resources.{bound}.{resource}"
            );
        }
    }
    // Probes: the right paths, on a port the container declares.
    let ports: BTreeSet<String> = c["ports"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        assert_eq!(c[probe]["httpGet"]["path"].as_str(), Some(path), "{probe}");
        let port = c[probe]["httpGet"]["port"].as_str().unwrap();
        assert!(ports.contains(port), "{probe} port {port}");
    }
    // The listen flag and the declared port agree.
    let args = strings(&c["args"]);
    let listen = args
        .iter()
        .position(|a| a == "--listen")
        .map(|i| &args[i + 1])
        .expect("--listen");
    let http_port = c["ports"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some("http"))
        .unwrap()["containerPort"]
        .as_i64()
        .unwrap();
    assert!(listen.ends_with(&format!(":{http_port}")), "{listen}");
    // Every secret the container reads exists in the Secret; nothing secret is inline.
    let secret = manifest("Secret");
    for env in c["env"].as_vec().unwrap() {
        assert!(
            env["value"].is_badvalue(),
            "{:?} is inline; secrets come from the Secret",
            env["name"]
        );
        let key = env["valueFrom"]["secretKeyRef"]["key"].as_str().unwrap();
        assert!(!secret["stringData"][key].is_badvalue(), "secret key {key}");
    }
    // Every mount has a volume; the writable paths are the image's.
    let volumes: BTreeSet<String> = pod["volumes"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    let mounts: BTreeSet<String> = c["volumeMounts"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|m| {
            assert!(volumes.contains(m["name"].as_str().unwrap()));
            m["mountPath"].as_str().unwrap().to_owned()
        })
        .collect();
    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains("KILN_DATA_DIR=/var/lib/kiln"));
    assert_eq!(
        mounts,
        BTreeSet::from(["/var/lib/kiln".to_owned(), "/tmp".to_owned()])
    );
}

#[test]
fn disruption_budget_autoscaler_and_network_policy_fit_the_deployment() {
    let replicas = manifest("Deployment")["spec"]["replicas"].as_i64().unwrap();
    let pdb = manifest("PodDisruptionBudget");
    let min_available = pdb["spec"]["minAvailable"].as_i64().unwrap();
    assert!(min_available < replicas, "the PDB must allow one eviction");
    let hpa = manifest("HorizontalPodAutoscaler");
    assert!(hpa["spec"]["minReplicas"].as_i64().unwrap() > min_available);
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"].as_str(), Some("kiln"));
    let policy = manifest("NetworkPolicy");
    assert_eq!(
        strings(&policy["spec"]["policyTypes"]),
        vec!["Ingress", "Egress"]
    );
    let egress_ports: BTreeSet<i64> = policy["spec"]["egress"]
        .as_vec()
        .unwrap()
        .iter()
        .flat_map(|rule| rule["ports"].as_vec().unwrap().clone())
        .map(|p| p["port"].as_i64().unwrap())
        .collect();
    assert_eq!(egress_ports, BTreeSet::from([53, 443, 5432]));
    let label = |doc: &Yaml| {
        doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
            .as_str()
            .map(str::to_owned)
    };
    assert_eq!(label(&pdb), label(&manifest("Deployment")));
}

#[test]
fn the_image_is_scratch_non_root_and_pinned() {
    let dockerfile = read("Dockerfile");
    let froms: Vec<&str> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("FROM "))
        .collect();
    assert_eq!(froms.last(), Some(&"scratch"), "the final stage is scratch");
    for from in &froms[..froms.len() - 1] {
        let image = from.split_whitespace().next().unwrap();
        let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
        assert!(
            image.contains('@') || tag.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "{image}: pin an exact version or a digest"
        );
    }
    let run_as = manifest("Deployment")["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
        .as_i64()
        .unwrap();
    assert!(
        dockerfile.contains(&format!("USER {run_as}:{run_as}")),
        "the image's user is the Deployment's"
    );
    assert!(run_as != 0);
    for port in [8080, 9090] {
        assert!(dockerfile.contains(&format!("{port}")));
    }
}

#[test]
fn compose_runs_replicas_like_the_deployment() {
    let compose = one("docker-compose.yml");
    let services = compose["services"].as_hash().unwrap();
    let postgres = &compose["services"]["postgres"];
    let image = postgres["image"].as_str().unwrap();
    assert!(
        image.starts_with("postgres:") && image[9..].starts_with(|c: char| c.is_ascii_digit()),
        "{image}: pinned"
    );
    let replicas: Vec<&Yaml> = services
        .iter()
        .filter(|(name, _)| name.as_str().is_some_and(|n| n.starts_with("kiln-")))
        .map(|(_, service)| service)
        .collect();
    assert!(replicas.len() >= 2, "at least two replicas");
    let env = deployment_env();
    for replica in replicas {
        // `<<: *kiln` merges the shared block; yaml-rust2 keeps it under the `<<` key.
        let shared = &replica["<<"];
        assert_eq!(shared["read_only"].as_bool(), Some(true));
        assert_eq!(strings(&shared["cap_drop"]), vec!["ALL"]);
        let names: BTreeSet<String> = shared["environment"]
            .as_hash()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, env, "compose and Kubernetes pass the same variables");
        for port in strings(&replica["ports"]) {
            assert!(port.starts_with("127.0.0.1:"), "{port}: loopback only");
        }
    }
}

/// The operations guide names what the manifests configure, and, once `runtime serve` is in
/// the tree, the server reads those variables and serves those paths.
#[test]
fn docs_and_server_agree_with_the_manifests() {
    let docs = read("docs/operations.md");
    let mut promised: Vec<String> = deployment_env().into_iter().collect();
    promised.extend(["/readyz".to_owned(), "/healthz".to_owned()]);
    for item in &promised {
        assert!(docs.contains(item.as_str()), "docs/operations.md: {item}");
    }
    let serve = root().join("serve/src");
    if !serve.is_dir() {
        eprintln!("serve/src is not in this tree: probe paths checked against the docs only");
        return;
    }
    let mut source = String::new();
    let mut stack = vec![serve];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                source.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    for item in &promised {
        assert!(source.contains(item.as_str()), "runtime serve: {item}");
    }
}

/// The Secret ships placeholders, and a replica started with them must fail at start rather
/// than run with a value everyone knows: the state URL and the storage key are refused by
/// the code that reads them.
#[test]
fn the_secret_placeholders_are_refused() {
    let secret = manifest("Secret");
    let data = &secret["stringData"];
    let state_url = data["state-url"].as_str().unwrap();
    assert!(state_url.starts_with("REPLACE-ME"));
    assert!(state_url.parse::<kiln_state::StateLocation>().is_err());
    let key = data["storage-key"].as_str().unwrap();
    assert!(key.starts_with("REPLACE-ME"));
    assert!(kiln_state::EncryptionKey::from_hex(&key.to_owned().into(), "secret.yaml").is_err());
    assert!(
        data["admin-token"]
            .as_str()
            .unwrap()
            .starts_with("REPLACE-ME")
    );
}

/// `/metrics` is on the main listener (serve/src/server.rs says why): the Deployment's
/// scrape annotations name the port `--listen` binds, the code routes `/metrics` there and
/// not on the admin listener, and the operations guide and the Dockerfile say the same.
#[test]
fn metrics_are_scraped_where_the_server_serves_them() {
    let deployment = manifest("Deployment");
    let annotations = &deployment["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"].as_str(), Some("true"));
    assert_eq!(annotations["prometheus.io/path"].as_str(), Some("/metrics"));
    let scraped: i64 = annotations["prometheus.io/port"]
        .as_str()
        .expect("prometheus.io/port, quoted")
        .parse()
        .expect("a port number");
    let container = container();
    let port_named = |name: &str| {
        container["ports"]
            .as_vec()
            .expect("ports")
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .and_then(|p| p["containerPort"].as_i64())
            .unwrap_or_else(|| panic!("no container port {name}"))
    };
    assert_eq!(scraped, port_named("http"), "scraped on the serving port");
    assert_ne!(scraped, port_named("admin"));
    let args = strings(&container["args"]);
    let listen = args
        .iter()
        .position(|a| a == "--listen")
        .and_then(|i| args.get(i + 1))
        .expect("--listen ADDR");
    assert!(listen.ends_with(&format!(":{scraped}")), "{listen}");

    let docs = read("docs/operations.md");
    let row = |name: &str| {
        docs.lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("docs/operations.md: no {name} row"))
            .to_owned()
    };
    assert!(row("public listener").contains("`/metrics`"));
    assert!(!row("admin listener").contains("/metrics"));
    let dockerfile = read("Dockerfile");
    let exposed = dockerfile
        .lines()
        .find(|l| l.starts_with("# 8080:"))
        .expect("the Dockerfile's port comment");
    assert!(
        exposed.split("9090").next().unwrap().contains("/metrics"),
        "{exposed}"
    );

    if !root().join("serve/src").is_dir() {
        return;
    }
    let server = read("serve/src/server.rs");
    let main_router = server
        .split("fn main_router")
        .nth(1)
        .and_then(|rest| rest.split("\n}\n").next())
        .expect("main_router in serve/src/server.rs");
    assert!(main_router.contains(".route(\"/metrics\""), "{main_router}");
    assert!(!read("serve/src/admin.rs").contains("\"/metrics\""));
}
