//! Calls server functions over HTTP the way the dashboard does, as a signed-in user or a visitor.
use super::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

/// Server functions that take JSON bodies (the rest take forms, like the dashboard's `ActionForm`s send).
const JSON_ENDPOINTS: &[&str] = &[
    "invite_member",
    "revoke_invitation",
    "change_member_role",
    "remove_member",
    "save_release",
    "publish_release",
    "refresh_release_links",
    "create_release",
    "save_artist",
    "create_artist",
    "import_artist_releases",
    "ad_tracking",
    "manage_organization",
    "publishing",
];

/// A browser's view of the server: its session cookie, if any.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub cookie: Option<String>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub set_cookies: Vec<String>,
}

impl Reply {
    pub fn ok(&self) -> &Value {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected success, got {self:?}"
        );
        &self.body
    }

    /// The session cookie's `name=value` from the reply, when it set one.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookies
            .iter()
            .find(|cookie| cookie.contains("dropday_session=") && !cookie.contains("Max-Age=0"))
            .and_then(|cookie| cookie.split(';').next())
            .map(str::to_owned)
    }
}

impl TestServer {
    /// Calls `/api/{endpoint}` with `args` (a JSON object of the function's arguments) from a same-origin page.
    pub async fn call(&self, client: &Client, endpoint: &str, args: Value) -> Reply {
        self.call_with_headers(client, endpoint, args, &[("sec-fetch-site", "same-origin")])
            .await
    }

    pub async fn call_with_headers(
        &self,
        client: &Client,
        endpoint: &str,
        args: Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.client.post(self.url(&format!("/api/{endpoint}")));
        if JSON_ENDPOINTS.contains(&endpoint) {
            request = request
                .header("content-type", "application/json")
                .body(args.to_string());
        } else {
            let fields: Vec<(String, String)> = args
                .as_object()
                .map(|object| {
                    object
                        .iter()
                        .filter(|(_, value)| !value.is_null())
                        .map(|(key, value)| {
                            let text = match value {
                                Value::String(text) => text.clone(),
                                other => other.to_string(),
                            };
                            (key.clone(), text)
                        })
                        .collect()
                })
                .unwrap_or_default();
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(&fields).expect("form body"));
        }
        if let Some(cookie) = &client.cookie {
            request = request.header("cookie", cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("server function call");
        let status = response.status();
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            body,
            set_cookies,
        }
    }

    /// Signs in and returns the client holding the session cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> Client {
        let reply = self
            .call(
                &Client::default(),
                "sign_in",
                serde_json::json!({ "email": email, "password": password }),
            )
            .await;
        reply.ok();
        Client {
            cookie: Some(
                reply
                    .session_cookie()
                    .expect("sign-in sets the session cookie"),
            ),
        }
    }
}
