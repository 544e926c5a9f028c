//! Key-value get/set latency seen from a component, in-memory store against the Redis store of a
//! runtime config, in one run: a real redis-server on 127.0.0.1 and two edge-hosts serving the
//! probe fixture, which times N sets and N gets inside the guest (`/kv-bench`).
//!
//! `cargo bench -p edge-host --bench key_value -- [--ops N] [--rounds N]`

#[path = "../tests/support/mod.rs"]
mod support;

use anyhow::{Context, bail};

use support::edge_host::{EdgeHost, Launch};
use support::redis::RedisServer;
use support::{app_dir, fixtures, simple_manifest};

struct Options {
    ops: usize,
    rounds: usize,
}

fn options() -> anyhow::Result<Options> {
    let mut opts = Options {
        ops: 2_000,
        rounds: 3,
    };
    let mut args = std::env::args().skip(1);
    let count = |flag: &str, value: Option<String>| -> anyhow::Result<usize> {
        let value = value.with_context(|| format!("{flag} needs a number"))?;
        let n: usize = value
            .parse()
            .with_context(|| format!("{flag} {value:?} is not a count"))?;
        if n == 0 || n > 100_000 {
            bail!("{flag} must be between 1 and 100000");
        }
        Ok(n)
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ops" => opts.ops = count("--ops", args.next())?,
            "--rounds" => opts.rounds = count("--rounds", args.next())?,
            "--bench" => {}
            other => bail!("unknown argument {other:?} (expected --ops, --rounds)"),
        }
    }
    Ok(opts)
}

fn main() -> anyhow::Result<()> {
    let opts = options()?;
    let redis = RedisServer::start();
    let dir = app_dir(
        &fixtures::component("probe", false),
        &simple_manifest("", "key_value_stores = [\"default\"]"),
    );
    let manifest = dir.path().join("spin.toml");
    let config = dir.path().join("runtime-config.toml");
    std::fs::write(
        &config,
        format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}/1\"\n",
            redis.url()
        ),
    )?;
    let hosts = [
        ("memory", EdgeHost::start(Launch::new(&manifest))),
        (
            "redis",
            EdgeHost::start(
                Launch::new(&manifest)
                    .arg("--runtime-config-file")
                    .arg(&config.to_string_lossy()),
            ),
        ),
    ];
    println!(
        "key-value from a component: {} sets then {} gets of 64-byte values per round, {} rounds",
        opts.ops, opts.ops, opts.rounds
    );
    for round in 0..=opts.rounds {
        for (store, host) in &hosts {
            let reply = host.get(&format!("/kv-bench?n={}", opts.ops)).text();
            if !reply.starts_with("ok ") {
                bail!("{store}: {reply}");
            }
            // Round 0 warms the instance pool, the connection and Redis.
            if round > 0 {
                println!("round {round} {store:<6} {}", &reply[3..]);
            }
        }
    }
    Ok(())
}
