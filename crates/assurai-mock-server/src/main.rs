//! `assurai-mock-server`: serve the deterministic mock on 127.0.0.1 until Ctrl-C.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use assurai_mock_server::{Faults, MockServer};

const USAGE: &str = "usage: assurai-mock-server [--port N] [--latency-ms MS] [--rate-429 P] \
[--rate-5xx P] [--rate-reset P] [--rate-timeout P] [--rate-malformed P] [--rate-blocked P] \
[--retry-after-s S] [--timeout-delay-ms MS] [--capacity N]";

fn parse() -> Result<(u16, Faults), String> {
    let mut port = 0u16;
    let mut f = Faults::none();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let num = |v: &str| -> Result<f64, String> {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| format!("{flag}: {v:?} is not a non-negative number"))
        };
        match flag.as_str() {
            "--port" => {
                port = value
                    .parse()
                    .map_err(|_| format!("--port: bad port {value:?}"))?
            }
            "--latency-ms" => f.latency = Duration::from_secs_f64(num(&value)? / 1000.0),
            "--rate-429" => f.rate_429 = num(&value)?,
            "--rate-5xx" => f.rate_5xx = num(&value)?,
            "--rate-reset" => f.rate_reset = num(&value)?,
            "--rate-timeout" => f.rate_timeout = num(&value)?,
            "--rate-malformed" => f.rate_malformed = num(&value)?,
            "--rate-blocked" => f.rate_blocked = num(&value)?,
            "--retry-after-s" => f.retry_after_s = num(&value)? as u32,
            "--capacity" => f.capacity = Some(num(&value)?.max(1.0) as usize),
            "--timeout-delay-ms" => {
                f.timeout_delay = Duration::from_secs_f64(num(&value)? / 1000.0)
            }
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    Ok((port, f))
}

fn main() -> ExitCode {
    let (port, faults) = match parse() {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        let server = match MockServer::bind(port, faults).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!("{}", server.base_url());
        let _ = tokio::signal::ctrl_c().await;
        let s = server.stats();
        eprintln!(
            "requests {} ok {} faults {} blocked {}",
            s.requests, s.ok, s.faults, s.blocked
        );
        ExitCode::SUCCESS
    })
}
