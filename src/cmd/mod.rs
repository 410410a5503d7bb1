//! One module per subcommand. Each exposes `Args` (clap) and
//! `run(Args) -> anyhow::Result<ExitCode>`; logic lives in the libraries.

pub(crate) mod agreement;
pub(crate) mod calibrate;
pub(crate) mod common;
pub(crate) mod correct;
pub(crate) mod dataset;
pub(crate) mod demo;
pub(crate) mod dry_run;
pub(crate) mod import;
pub(crate) mod input;
pub(crate) mod media;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod stats;
pub(crate) mod taxonomy;
pub(crate) mod validate;
