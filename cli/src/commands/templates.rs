//! The app templates `runtime new` writes: files under `runtime/templates/`
//! (and the example apps' sources, so a template is always an app the test
//! suite builds and runs), embedded at compile time.
//!
//! Placeholders are `{{name}}`; [`render`] refuses to leave one unfilled.

use std::collections::BTreeMap;

/// A file of a template: its path in the new app and its text.
pub struct TemplateFile {
    pub path: &'static str,
    pub text: &'static str,
}

/// An app template.
pub struct Template {
    pub name: &'static str,
    pub description: &'static str,
    /// The payload shown in the generated README.
    pub example_payload: &'static str,
    pub files: &'static [TemplateFile],
}

/// `.cargo/config.toml` of an app made from a Kiln checkout: patches kiln-sdk
/// to the checkout's (see the file's comment).
pub const LOCAL_SDK_PATCH: &str = include_str!("../../templates/common/cargo-config.toml.tmpl");

/// Files every template shares.
const COMMON: &[TemplateFile] = &[
    TemplateFile {
        path: "Cargo.toml",
        text: include_str!("../../templates/common/Cargo.toml.tmpl"),
    },
    TemplateFile {
        path: "rust-toolchain.toml",
        text: include_str!("../../../rust-toolchain.toml"),
    },
    TemplateFile {
        path: ".gitignore",
        text: include_str!("../../templates/common/gitignore"),
    },
    TemplateFile {
        path: "README.md",
        text: include_str!("../../templates/common/README.md.tmpl"),
    },
];

/// Every template, the default first.
pub const TEMPLATES: &[Template] = &[
    Template {
        name: "hello",
        description: "Reads who the user is and one issue (read:jira-user, read:jira-work)",
        example_payload: r#"{"issue": "KILN-1"}"#,
        files: &[
            TemplateFile {
                path: "manifest.yml",
                text: include_str!("../../templates/hello/manifest.yml.tmpl"),
            },
            TemplateFile {
                path: "src/lib.rs",
                text: include_str!("../../../examples/hello/src/lib.rs"),
            },
            TemplateFile {
                path: "lint.payloads.json",
                text: include_str!("../../templates/hello/lint.payloads.json"),
            },
        ],
    },
    Template {
        name: "issue-triage",
        description: "Labels an issue by keywords, assigns it by component and comments why (read/write work scopes)",
        example_payload: r#"{"issue": "KILN-4"}"#,
        files: &[
            TemplateFile {
                path: "manifest.yml",
                text: include_str!("../../templates/issue-triage/manifest.yml.tmpl"),
            },
            TemplateFile {
                path: "src/lib.rs",
                text: include_str!("../../../examples/issue-triage/src/lib.rs"),
            },
            TemplateFile {
                path: "lint.payloads.json",
                text: include_str!("../../../examples/issue-triage/lint.payloads.json"),
            },
        ],
    },
    Template {
        name: "jsm-oncall",
        description: "Creates a JSM Ops on-call schedule with a rotation and says who is on call (ops-config scopes)",
        example_payload: r#"{"team": "Platform Ops"}"#,
        files: &[
            TemplateFile {
                path: "manifest.yml",
                text: include_str!("../../templates/jsm-oncall/manifest.yml.tmpl"),
            },
            TemplateFile {
                path: "src/lib.rs",
                text: include_str!("../../../examples/jsm-oncall/src/lib.rs"),
            },
            TemplateFile {
                path: "lint.payloads.json",
                text: include_str!("../../../examples/jsm-oncall/lint.payloads.json"),
            },
        ],
    },
];

/// The template called `name`.
pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

/// The names of every template, for help and errors.
pub fn names() -> Vec<&'static str> {
    TEMPLATES.iter().map(|t| t.name).collect()
}

impl Template {
    /// Every file of the app: the shared ones, then the template's own.
    pub fn all_files(&self) -> impl Iterator<Item = &'static TemplateFile> + use<> {
        COMMON.iter().chain(self.files.iter())
    }
}

/// A placeholder without a value: a bug in a template, caught by the tests.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the template file {file} uses {{{{{placeholder}}}}}, which has no value")]
pub struct UnfilledPlaceholder {
    pub file: String,
    pub placeholder: String,
}

/// Replaces every `{{name}}` in `text` with its value from `values`.
pub fn render(
    file: &str,
    text: &str,
    values: &BTreeMap<&str, String>,
) -> Result<String, UnfilledPlaceholder> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        let value = values.get(name).ok_or_else(|| UnfilledPlaceholder {
            file: file.to_owned(),
            placeholder: name.to_owned(),
        })?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_refused() {
        let values = BTreeMap::from([("app_id", String::from("demo"))]);
        assert_eq!(
            render("f", "id: {{app_id}} {{app_id}}", &values).unwrap(),
            "id: demo demo"
        );
        assert_eq!(
            render("f", "{{nope}}", &values),
            Err(UnfilledPlaceholder {
                file: "f".into(),
                placeholder: "nope".into()
            })
        );
        assert_eq!(
            render("f", "json {{ unclosed", &values).unwrap(),
            "json {{ unclosed"
        );
    }

    #[test]
    fn template_manifests_declare_the_scopes_of_their_examples() {
        for (template, example) in [
            (
                "issue-triage",
                include_str!("../../../examples/issue-triage/manifest.yml"),
            ),
            (
                "jsm-oncall",
                include_str!("../../../examples/jsm-oncall/manifest.yml"),
            ),
        ] {
            let template = find(template).unwrap();
            let manifest = template
                .files
                .iter()
                .find(|f| f.path == "manifest.yml")
                .unwrap();
            let values = BTreeMap::from([
                ("schema", String::from("s.json")),
                ("app_id", String::from("demo")),
                ("app_name", String::from("Demo")),
            ]);
            let rendered = kiln_manifest::Manifest::from_yaml(
                &render("manifest.yml", manifest.text, &values).unwrap(),
            )
            .unwrap();
            let example = kiln_manifest::Manifest::from_yaml(example).unwrap();
            assert_eq!(
                rendered.permissions.scopes, example.permissions.scopes,
                "{}",
                template.name
            );
            assert_eq!(
                rendered.modules.function, example.modules.function,
                "{}",
                template.name
            );
        }
    }
}
