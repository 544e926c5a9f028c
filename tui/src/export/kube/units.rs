//! Compose's units in Kubernetes terms: CPUs, byte sizes, durations, `user: uid:gid`, tmpfs.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

const KI: u64 = 1024;
const MI: u64 = 1024 * 1024;
const GI: u64 = 1024 * 1024 * 1024;

/// `cpus: 0.5` → `500m`, `1` → `1`.
pub fn cpu(value: &Value) -> Option<Quantity> {
    let cpus = match value {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.parse().ok()?,
        _ => return None,
    };
    let millis = (cpus * 1000.0).round() as i64;
    if millis <= 0 {
        return None;
    }
    Some(Quantity(if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }))
}

/// Bytes as the largest exact binary unit: `201326592` → `192Mi`.
pub fn bytes_quantity(bytes: u64) -> Quantity {
    Quantity(match bytes {
        0 => "0".into(),
        b if b % GI == 0 => format!("{}Gi", b / GI),
        b if b % MI == 0 => format!("{}Mi", b / MI),
        b if b % KI == 0 => format!("{}Ki", b / KI),
        b => b.to_string(),
    })
}

/// Compose's merged model gives memory sizes in bytes, as a string or a number.
pub fn memory(value: &Value) -> Option<Quantity> {
    match value {
        Value::Number(number) => number.as_u64().map(bytes_quantity),
        Value::String(text) => text.parse().ok().map(bytes_quantity),
        _ => None,
    }
}

/// Docker's size with an optional binary suffix (`16m`, `1g`, `512k`, `1024`).
pub fn docker_size(text: &str) -> Option<u64> {
    let text = text.trim().to_ascii_lowercase();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text.as_str(), ""),
    };
    let number: u64 = digits.parse().ok()?;
    let factor = match unit.trim_end_matches('b') {
        "" => 1,
        "k" => KI,
        "m" => MI,
        "g" => GI,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// Go-style durations as compose writes them (`5s`, `1m30s`, `500ms`), rounded up to seconds.
pub fn seconds(text: &str) -> Option<i32> {
    let mut total_ms: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits_end = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let (number, tail) = rest.split_at(digits_end);
        let number: f64 = number.parse().ok()?;
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_end);
        let factor = match unit {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        total_ms += (number * factor).round() as u64;
        rest = next;
    }
    i32::try_from(total_ms.div_ceil(1000)).ok()
}

/// `user: "999:1000"` → (999, 1000); a bare uid gets gid = uid.
pub fn user(text: &str) -> Option<(i64, i64)> {
    let (uid, gid) = text.split_once(':').unwrap_or((text, text));
    Some((uid.parse().ok()?, gid.parse().ok()?))
}

/// A tmpfs entry `path:opt,opt,size=16m` → (path, size in bytes).
pub fn tmpfs(entry: &str) -> (String, Option<u64>) {
    let (path, options) = entry.split_once(':').unwrap_or((entry, ""));
    let size = options
        .split(',')
        .find_map(|option| option.strip_prefix("size="))
        .and_then(docker_size);
    (path.to_string(), size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_compose_units() {
        assert_eq!(cpu(&json!(0.5)).map(|q| q.0).as_deref(), Some("500m"));
        assert_eq!(cpu(&json!(1)).map(|q| q.0).as_deref(), Some("1"));
        assert_eq!(cpu(&json!("1.5")).map(|q| q.0).as_deref(), Some("1500m"));
        assert_eq!(cpu(&json!(0)), None);
        assert_eq!(
            memory(&json!("201326592")).map(|q| q.0).as_deref(),
            Some("192Mi")
        );
        assert_eq!(
            memory(&json!(1073741824u64)).map(|q| q.0).as_deref(),
            Some("1Gi")
        );
        assert_eq!(bytes_quantity(1000).0, "1000");
        assert_eq!(docker_size("16m"), Some(16 * MI));
        assert_eq!(docker_size("1g"), Some(GI));
        assert_eq!(docker_size("12x"), None);
        assert_eq!(seconds("5s"), Some(5));
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("500ms"), Some(1));
        assert_eq!(seconds("soon"), None);
        assert_eq!(user("999:1000"), Some((999, 1000)));
        assert_eq!(user("70"), Some((70, 70)));
        assert_eq!(user("nginx"), None);
        assert_eq!(
            tmpfs("/tmp:rw,noexec,size=16m,mode=1777"),
            ("/tmp".to_string(), Some(16 * MI))
        );
        assert_eq!(tmpfs("/run"), ("/run".to_string(), None));
    }
}
