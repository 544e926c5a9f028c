//! The docker CLI's order: DOCKER_HOST wins, then DOCKER_CONTEXT, then config.json's
//! currentContext, then "default". Inputs come in a [`Lookup`] so tests need no process env.

use super::store;
use super::{
    DEFAULT_CONTEXT, DEFAULT_HOST, DOCKER_HOST_CONTEXT, Endpoint, EndpointError, Shadowed, Source,
    Tls,
};
use std::path::PathBuf;

/// The environment the resolution reads; empty variables count as unset, as in the CLI.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    /// `$DOCKER_CONFIG`, else `~/.docker`.
    pub config_dir: PathBuf,
    /// DOCKER_TLS_VERIFY set (to anything): TLS that verifies the daemon.
    pub tls_verify: bool,
    /// DOCKER_TLS set: TLS without verification unless DOCKER_TLS_VERIFY is set too.
    pub tls: bool,
    /// DOCKER_CERT_PATH, else the config directory.
    pub cert_path: Option<PathBuf>,
}

impl Lookup {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let config_dir = var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::home_dir().unwrap_or_default().join(".docker"));
        Self {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            config_dir,
            tls_verify: var("DOCKER_TLS_VERIFY").is_some(),
            tls: var("DOCKER_TLS").is_some(),
            cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
        }
    }

    /// TLS for the default context (DOCKER_HOST or the default socket), from the environment.
    fn env_tls(&self, host: &str) -> Option<Tls> {
        let tcp = matches!(
            host.split_once("://").map(|(scheme, _)| scheme),
            Some("tcp" | "https")
        );
        if !tcp || !(self.tls || self.tls_verify) {
            return None;
        }
        let dir = self.cert_path.as_ref().unwrap_or(&self.config_dir);
        Some(store::tls_files(dir, self.tls_verify))
    }
}

pub fn resolve(lookup: &Lookup) -> Result<Endpoint, EndpointError> {
    let mut warnings = Vec::new();
    let config_file = lookup.config_dir.join("config.json");
    let current = store::current_context(&config_file).unwrap_or_else(|reason| {
        // The CLI warns and goes on with an empty config; so do we.
        warnings.push(format!(
            "{} is unreadable ({reason}); its currentContext is ignored",
            config_file.display()
        ));
        None
    });
    let selected = match &lookup.docker_context {
        Some(name) => Some((name.clone(), Source::DockerContext)),
        None => current.map(|name| (name, Source::ConfigFile(config_file))),
    };
    if let Some(host) = &lookup.docker_host {
        let shadowed = selected
            .filter(|(name, _)| name != DEFAULT_CONTEXT)
            .map(|(context, source)| Shadowed { context, source });
        return Ok(Endpoint {
            context: DOCKER_HOST_CONTEXT.into(),
            source: Source::DockerHost,
            host: host.clone(),
            tls: lookup.env_tls(host),
            shadowed,
            warnings,
        });
    }
    let (context, source) =
        selected.unwrap_or_else(|| (DEFAULT_CONTEXT.to_string(), Source::Default));
    let (host, tls) = if context == DEFAULT_CONTEXT {
        (DEFAULT_HOST.to_string(), lookup.env_tls(DEFAULT_HOST))
    } else {
        store::load(&lookup.config_dir, &context, &source)?
    };
    Ok(Endpoint {
        context,
        source,
        host,
        tls,
        shadowed: None,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A config directory with `contexts` (name, host) and an optional currentContext.
    fn config_dir(contexts: &[(&str, &str)], current: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, host) in contexts {
            let meta = store::meta_file(dir.path(), name);
            std::fs::create_dir_all(meta.parent().expect("parent")).expect("mkdir");
            let json = serde_json::json!({
                "Name": name,
                "Metadata": {},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
            });
            std::fs::write(meta, json.to_string()).expect("meta.json");
        }
        if let Some(current) = current {
            let json = serde_json::json!({ "currentContext": current });
            std::fs::write(dir.path().join("config.json"), json.to_string()).expect("config");
        }
        dir
    }

    fn lookup(dir: &Path) -> Lookup {
        Lookup {
            config_dir: dir.to_path_buf(),
            ..Lookup::default()
        }
    }

    #[test]
    fn nothing_set_is_the_default_socket() {
        let dir = config_dir(&[], None);
        let endpoint = resolve(&lookup(dir.path())).expect("endpoint");
        assert_eq!(endpoint.context, "default");
        assert_eq!(endpoint.source, Source::Default);
        assert_eq!(endpoint.host, DEFAULT_HOST);
        assert!(endpoint.tls.is_none() && endpoint.shadowed.is_none());
    }

    #[test]
    fn config_current_context_then_docker_context_then_docker_host() {
        let dir = config_dir(
            &[("colima", "unix:///c.sock"), ("orb", "unix:///o.sock")],
            Some("colima"),
        );
        let mut input = lookup(dir.path());
        let endpoint = resolve(&input).expect("config.json");
        assert_eq!(
            (endpoint.context.as_str(), endpoint.host.as_str()),
            ("colima", "unix:///c.sock")
        );
        assert_eq!(
            endpoint.source,
            Source::ConfigFile(dir.path().join("config.json"))
        );

        input.docker_context = Some("orb".into());
        let endpoint = resolve(&input).expect("DOCKER_CONTEXT");
        assert_eq!(
            (endpoint.context.as_str(), endpoint.host.as_str()),
            ("orb", "unix:///o.sock")
        );
        assert_eq!(endpoint.source, Source::DockerContext);

        input.docker_host = Some("tcp://127.0.0.1:2375".into());
        let endpoint = resolve(&input).expect("DOCKER_HOST");
        assert_eq!(endpoint.context, "DOCKER_HOST");
        assert_eq!(endpoint.host, "tcp://127.0.0.1:2375");
        assert_eq!(
            endpoint.shadowed,
            Some(Shadowed {
                context: "orb".into(),
                source: Source::DockerContext
            }),
            "DOCKER_HOST overriding a chosen context is reported"
        );
    }

    #[test]
    fn docker_host_over_the_default_context_shadows_nothing() {
        let dir = config_dir(&[], Some("default"));
        let mut input = lookup(dir.path());
        input.docker_host = Some("unix:///other.sock".into());
        assert_eq!(resolve(&input).expect("endpoint").shadowed, None);
        input.docker_host = None;
        let endpoint = resolve(&input).expect("explicit default");
        assert_eq!(endpoint.host, DEFAULT_HOST);
        assert!(matches!(endpoint.source, Source::ConfigFile(_)));
    }

    #[test]
    fn an_unknown_context_names_itself_and_the_known_ones() {
        let dir = config_dir(&[("colima", "unix:///c.sock")], None);
        let mut input = lookup(dir.path());
        input.docker_context = Some("nope".into());
        let err = resolve(&input).expect_err("unknown");
        let text = err.to_string();
        assert!(
            text.contains("'nope'") && text.contains("DOCKER_CONTEXT"),
            "{text}"
        );
        assert!(text.contains("Known contexts: colima, default"), "{text}");
    }

    #[test]
    fn a_broken_meta_json_or_config_json_is_reported() {
        let dir = config_dir(&[("bad", "unix:///b.sock")], Some("bad"));
        std::fs::write(store::meta_file(dir.path(), "bad"), "{").expect("break");
        let err = resolve(&lookup(dir.path())).expect_err("broken meta");
        assert!(matches!(err, EndpointError::BadContext { .. }), "{err}");

        std::fs::write(dir.path().join("config.json"), "not json").expect("break");
        let endpoint = resolve(&lookup(dir.path())).expect("the CLI ignores a broken config");
        assert_eq!(endpoint.context, "default");
        assert_eq!(endpoint.warnings.len(), 1);
    }

    #[test]
    fn context_tls_material_and_skip_verify() {
        let dir = config_dir(&[("remote", "tcp://10.0.0.5:2376")], Some("remote"));
        let tls_dir = dir.path().join(format!(
            "contexts/tls/{:x}/docker",
            <sha2::Sha256 as sha2::Digest>::digest(b"remote")
        ));
        std::fs::create_dir_all(&tls_dir).expect("mkdir");
        for file in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(tls_dir.join(file), "pem").expect("pem");
        }
        let endpoint = resolve(&lookup(dir.path())).expect("endpoint");
        let tls = endpoint.tls.clone().expect("tls");
        assert_eq!(tls.ca, Some(tls_dir.join("ca.pem")));
        assert!(tls.verify && tls.cert.is_some() && tls.key.is_some());
        assert!(endpoint.is_remote());

        // No material and no SkipTLSVerify: plain tcp, as the CLI does.
        let plain = config_dir(&[("plain", "tcp://127.0.0.1:2375")], Some("plain"));
        assert_eq!(resolve(&lookup(plain.path())).expect("plain").tls, None);
    }

    #[test]
    fn docker_tls_verify_and_cert_path_go_with_docker_host() {
        let dir = config_dir(&[], None);
        let certs = tempfile::tempdir().expect("certs");
        std::fs::write(certs.path().join("ca.pem"), "pem").expect("ca");
        let mut input = lookup(dir.path());
        input.docker_host = Some("tcp://10.0.0.5:2376".into());
        input.tls_verify = true;
        input.cert_path = Some(certs.path().to_path_buf());
        let tls = resolve(&input).expect("endpoint").tls.expect("tls");
        assert_eq!(tls.ca, Some(certs.path().join("ca.pem")));
        assert!(tls.verify && tls.cert.is_none());

        input.tls_verify = false;
        input.tls = true;
        let tls = resolve(&input).expect("endpoint").tls.expect("tls");
        assert!(!tls.verify, "DOCKER_TLS alone does not verify");

        input.docker_host = Some("unix:///var/run/docker.sock".into());
        assert_eq!(
            resolve(&input).expect("unix").tls,
            None,
            "no TLS on a socket"
        );
    }
}
