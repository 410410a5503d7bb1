//! One module per subcommand. Each exposes `Args` (clap) and
//! `run(Args) -> anyhow::Result<ExitCode>`; logic lives in the libraries.

pub(crate) mod report;
pub(crate) mod taxonomy;
