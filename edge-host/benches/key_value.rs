//! Key-value get/set latency seen from a component, for each store kind of the runtime config
//! (memory, SQLite file, Redis), in one run: a real redis-server on 127.0.0.1 and one edge-host per
//! kind serving the probe fixture, which times N sets and N gets inside the guest (`/kv-bench`).
//! The baseline is the same SET/GET sent straight to Redis over one connection from here.
//!
//! `cargo bench -p edge-host --bench key_value -- [--ops N] [--rounds N]`

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Instant;

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
    let config = support::redis_runtime_config(dir.path(), &redis);
    let file_config = dir.path().join("file-config.toml");
    std::fs::write(
        &file_config,
        "[key_value_store.default]\ntype = \"spin\"\npath = \"kv.db\"\n",
    )?;
    let with = |config: &std::path::Path| {
        EdgeHost::start(
            Launch::new(&manifest)
                .arg("--runtime-config-file")
                .arg(&config.to_string_lossy()),
        )
    };
    let hosts = [
        ("memory", EdgeHost::start(Launch::new(&manifest))),
        ("sqlite", with(&file_config)),
        ("redis", with(&config)),
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
        let direct = redis_direct(redis.port, opts.ops)?;
        if round > 0 {
            println!("round {round} direct {direct}");
        }
    }
    Ok(())
}

/// The baseline: the same SETs and GETs sent from this process over one connection, each timed
/// from write to reply.
fn redis_direct(port: u16, ops: usize) -> anyhow::Result<String> {
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut line = String::new();
    let mut round_trip = |command: String, bulk: bool| -> anyhow::Result<f64> {
        let started = Instant::now();
        writer.write_all(command.as_bytes())?;
        line.clear();
        reader.read_line(&mut line)?;
        if bulk && line.starts_with('$') && !line.starts_with("$-1") {
            line.clear();
            reader.read_line(&mut line)?;
        }
        Ok(started.elapsed().as_secs_f64() * 1e6)
    };
    let value = "v".repeat(64);
    let (mut sets, mut gets) = (Vec::with_capacity(ops), Vec::with_capacity(ops));
    for i in 0..ops {
        let key = format!("direct-{i}");
        sets.push(round_trip(
            format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$64\r\n{value}\r\n",
                key.len()
            ),
            false,
        )?);
    }
    for i in 0..ops {
        let key = format!("direct-{i}");
        gets.push(round_trip(
            format!("*2\r\n$3\r\nGET\r\n${}\r\n{key}\r\n", key.len()),
            true,
        )?);
    }
    let summary = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        (mean, v.get(v.len() * 99 / 100).copied().unwrap_or(0.0))
    };
    let ((set_mean, set_p99), (get_mean, get_p99)) = (summary(sets), summary(gets));
    Ok(format!(
        "set_mean_us={set_mean:.1} set_p99_us={set_p99:.1} get_mean_us={get_mean:.1} get_p99_us={get_p99:.1}"
    ))
}
