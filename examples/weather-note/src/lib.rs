//! Weather note: reads an issue's summary and the forecast for a city from
//! a third-party API, through Kiln's egress (`kiln_sdk::fetch`), and
//! returns a note combining both.
//!
//! Payload: `{"issue": "KILN-1", "city": "Oslo"}`; `api` overrides the
//! API's base URL (it must still be a backend the manifest declares: the
//! host refuses anything else).
//! Result: `{"issue", "summary", "city", "forecast", "note"}`.

use kiln_sdk::fetch::{FetchError, fetch};
use kiln_sdk::prelude::*;
use serde::{Deserialize, Serialize};

const DEFAULT_API: &str = "https://api.weather.example";

#[derive(Deserialize)]
struct Input {
    issue: String,
    city: String,
    #[serde(default)]
    api: Option<String>,
}

#[derive(Serialize)]
struct Output {
    issue: String,
    summary: String,
    city: String,
    forecast: Forecast,
    note: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Forecast {
    summary: String,
    temperature_c: f64,
}

#[derive(Deserialize)]
struct Issue {
    fields: Fields,
}

#[derive(Deserialize)]
struct Fields {
    summary: String,
}

#[kiln_sdk::handler]
fn note(input: Input) -> Result<Output, AppError> {
    let issue: Issue = as_user()
        .get(route!("/rest/api/3/issue/{}", input.issue)?)
        .query("fields", "summary")
        .header("Accept", "application/json")
        .send()?
        .error_for_status()?
        .json()?;

    let api = input.api.as_deref().unwrap_or(DEFAULT_API);
    let city: String = input
        .city
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let response = fetch(format!("{api}/v1/forecast?city={city}"))
        .header("accept", "application/json")
        .send()
        .map_err(fetch_failed)?;
    if !response.ok() {
        return Err(AppError::failed(format!(
            "the weather API answered {}",
            response.status()
        )));
    }
    let forecast: Forecast = response.json().map_err(fetch_failed)?;
    let note = format!(
        "{}: {} in {city}, {:.0} °C",
        input.issue, forecast.summary, forecast.temperature_c
    );
    Ok(Output {
        issue: input.issue,
        summary: issue.fields.summary,
        city,
        forecast,
        note,
    })
}

fn fetch_failed(error: FetchError) -> AppError {
    AppError::failed(format!("weather API: {error}"))
}

kiln_sdk::export_app!(note);
