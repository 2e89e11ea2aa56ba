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
        Some(Command::Import { file }) => {
            let json = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
            };
            let url = config.database_url()?;
            let db = app::server::db::connect_and_migrate(&url)
                .await
                .context("opening the database")?;
            let document = app::server::import::parse(&json).map_err(|e| anyhow::anyhow!("{e}"))?;
            let path = app::server::import::import(&db, document, chrono::Utc::now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{path}");
            Ok(())
        }
    }
}
