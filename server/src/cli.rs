//! What the binary does with its configuration: serve (the default), or run a one-off command.
use crate::config::{AdminCommand, Command, Config};
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
        Some(Command::Admin(command)) => admin(&config, command).await,
    }
}

async fn admin(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    use app::server::models::accounts;
    let url = config.database_url()?;
    let db = app::server::db::connect_and_migrate(&url)
        .await
        .context("opening the database")?;
    match command {
        AdminCommand::Create {
            email,
            name,
            organization,
            password_file,
        } => {
            let (password, generated) = password_from(password_file.as_deref())?;
            let (user, _) = accounts::create_organization_with_admin(
                &db,
                accounts::NewOrganizationAdmin {
                    organization_name: &organization,
                    email: &email,
                    display_name: &name,
                    password: &password,
                },
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Created {organization} with the admin {}.", user.email);
            if generated {
                println!("Password (shown once): {password}");
            }
            Ok(())
        }
        AdminCommand::ResetPassword {
            email,
            password_file,
        } => {
            let (password, generated) = password_from(password_file.as_deref())?;
            accounts::reset_password(&db, &email, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("New password set for {email}; their sessions were ended.");
            if generated {
                println!("Password (shown once): {password}");
            }
            Ok(())
        }
    }
}

/// The password from a file (or standard input with `-`), else a generated one; the flag says which.
fn password_from(file: Option<&std::path::Path>) -> anyhow::Result<(String, bool)> {
    let Some(file) = file else {
        return Ok((app::server::models::accounts::generated_password(), true));
    };
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let password = text.trim_end_matches(['\n', '\r']).to_owned();
    Ok((password, false))
}
