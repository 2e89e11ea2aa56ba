//! What the binary does with its configuration: serve (the default), or run a one-off command.
use crate::config::{Command, Config};
use anyhow::Context as _;

pub async fn main(config: Config) -> anyhow::Result<()> {
    match config.command.clone() {
        None | Some(Command::Serve) => {
            let listener = tokio::net::TcpListener::bind(config.listen_addr)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen_addr))?;
            crate::run(config, listener, crate::shutdown::signal()).await
        }
        Some(Command::Migrate) => {
            let url = config.database_url()?;
            app::server::db::connect_and_migrate(&url)
                .await
                .context("migrating the database")?;
            tracing::info!("the database schema is up to date");
            Ok(())
        }
    }
}
