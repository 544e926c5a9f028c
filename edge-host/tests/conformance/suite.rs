//! The suite on disk: where it is, its tests (`tests/NAME/{spin.toml,test.json5}`), and the
//! expectations of each, as `docs/test-manifest.md` in the suite describes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Set this to run a different copy of the suite.
pub const DIR_VAR: &str = "SPIN_CONFORMANCE_DIR";

/// The suite's folder: `$SPIN_CONFORMANCE_DIR`, else `../shared/spin-conformance` beside the
/// repository.
pub fn locate(repo_root: &Path) -> Result<PathBuf, String> {
    let dir = match std::env::var_os(DIR_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => repo_root.join("../shared/spin-conformance"),
    };
    if dir.join("tests").is_dir() && dir.join("components").is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "Spin's conformance suite is not at {} (expected tests/ and components/ there); \
             set {DIR_VAR} to its folder",
            dir.display()
        ))
    }
}

#[derive(Debug, Deserialize)]
pub struct TestSpec {
    pub invocations: Vec<Invocation>,
}

#[derive(Debug, Deserialize)]
pub struct Invocation {
    pub request: Request,
    pub response: Response,
}

#[derive(Debug, Deserialize)]
pub struct Request {
    #[serde(default = "get")]
    pub method: String,
    #[serde(default = "root")]
    pub path: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub body: Option<Body>,
}

#[derive(Debug, Deserialize)]
pub struct Response {
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub body: Option<Body>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub optional: bool,
}

/// A body is text in the suite's files, or bytes (one list or a list of chunks).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Body {
    Text(String),
    Bytes(Vec<u8>),
    Chunks(Vec<Vec<u8>>),
}

impl Body {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Text(text) => text.as_bytes().to_vec(),
            Body::Bytes(bytes) => bytes.clone(),
            Body::Chunks(chunks) => chunks.concat(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Precondition {
    pub kind: String,
}

fn get() -> String {
    "GET".to_string()
}
fn root() -> String {
    "/".to_string()
}
fn ok() -> u16 {
    200
}

/// One test folder.
pub struct Test {
    pub name: String,
    pub manifest: String,
    pub spec_text: String,
}

impl Test {
    /// Parses `test.json5` after the templates were rendered.
    pub fn spec(&self, rendered: &str) -> Result<TestSpec, String> {
        json5::from_str(rendered).map_err(|e| format!("{}/test.json5: {e}", self.name))
    }

    /// The preconditions, read before rendering (they decide which services start).
    pub fn preconditions(&self) -> Result<Vec<Precondition>, String> {
        #[derive(Deserialize)]
        struct Only {
            #[serde(default)]
            preconditions: Vec<Precondition>,
        }
        json5::from_str::<Only>(&self.spec_text)
            .map(|only| only.preconditions)
            .map_err(|e| format!("{}/test.json5: {e}", self.name))
    }
}

/// Every test of the suite, by name.
pub fn tests(suite: &Path) -> Result<BTreeMap<String, Test>, String> {
    let dir = suite.join("tests");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut tests = BTreeMap::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let read = |file: &str| {
            std::fs::read_to_string(path.join(file))
                .map_err(|e| format!("{}/{file}: {e}", path.display()))
        };
        if path.is_dir() {
            let test = Test {
                name: name.clone(),
                manifest: read("spin.toml")?,
                spec_text: read("test.json5")?,
            };
            tests.insert(name, test);
        }
    }
    Ok(tests)
}

/// Replaces `%{source=NAME}` and `%{port=N}`; an unknown name or port is an error naming it.
pub fn render(
    text: &str,
    source: &dyn Fn(&str) -> Option<String>,
    port: &dyn Fn(u16) -> Option<u16>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("%{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed template in {rest:?}"))?;
        let (kind, arg) = after[..end]
            .split_once('=')
            .ok_or_else(|| format!("template %{{{}}} has no `=`", &after[..end]))?;
        let value = match kind {
            "source" => source(arg).ok_or_else(|| format!("no component named {arg:?}"))?,
            "port" => {
                let logical: u16 = arg
                    .parse()
                    .map_err(|_| format!("port template {arg:?} is not a number"))?;
                port(logical)
                    .ok_or_else(|| format!("no service provides port {logical}"))?
                    .to_string()
            }
            other => return Err(format!("unknown template kind {other:?}")),
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
