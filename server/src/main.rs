//! The `dropday` server binary: read the configuration, start logging, bind, run until SIGTERM or Ctrl-C.
use clap::Parser;
use server::config::Config;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    server::telemetry::init(&config.log, config.log_format);
    match server::cli::main(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}
