//! `expand=renderedFields` on an issue (`getIssue`, `bulkFetchIssues`, the
//! searches) and `expand=renderedBody` on a comment: the fields as Jira shows them
//! to a person rather than as an app stores them.
//!
//! Jira renders by field type: rich text (the description, the environment, a
//! text-area custom field) becomes HTML (`html.rs`); a date-time becomes its
//! complete date format, `dd/MMM/yy h:mm a`, in the reader's time zone; a date
//! becomes `dd/MMM/yy`; the comments and worklogs keep their shape with each body
//! as HTML and each time rendered; time tracking reads as it is stored. A field
//! Jira has nothing to render for (a status, a user, a number) is `null`, and the
//! rendered object names the same fields as `fields`.
//!
//! Not modelled: a site whose look-and-feel settings change the date formats, and
//! Jira's relative dates ("Today 2:15 AM"), which depend on when the answer is
//! read; every date here is written in the complete format.

use serde_json::{Map, Value};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::field_details::schema_type;
use super::html;
use crate::adf;
use crate::clock::{CompleteDateTime, day_month_year};
use crate::world::World;
use crate::world::zone::Zone;

/// How Jira writes a date-time in `fields` (`2024-03-28T10:15:30.000+0000`).
const STORED_DATE_TIME: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
);

/// How Jira writes a date in `fields` (`2024-03-28`).
const STORED_DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// What a rendering needs besides the value: the site's base URL, the site, and
/// the zone of the person reading (their profile's time zone).
pub(crate) struct Reader<'a> {
    links: &'a str,
    world: &'a World,
    zone: Zone,
}

impl<'a> Reader<'a> {
    /// A reader for account `viewer`, in their profile's time zone (UTC for an
    /// account or a zone the site does not know).
    pub(crate) fn new(links: &'a str, world: &'a World, viewer: &str) -> Self {
        let zone = world
            .user(viewer)
            .and_then(|user| Zone::named(&user.time_zone))
            .unwrap_or_else(Zone::utc);
        Self { links, world, zone }
    }

    /// The `renderedFields` object for an issue whose `fields` are `fields`.
    pub(crate) fn fields(&self, fields: &Value) -> Value {
        let Some(fields) = fields.as_object() else {
            return Value::Object(Map::new());
        };
        let rendered = fields
            .iter()
            .map(|(id, value)| (id.clone(), self.field(id, value)))
            .collect();
        Value::Object(rendered)
    }

    fn field(&self, id: &str, value: &Value) -> Value {
        if value.is_null() {
            return Value::Null;
        }
        match id {
            "comment" => return self.page(value, "comments", "body", &["created", "updated"]),
            "worklog" => {
                return self.page(
                    value,
                    "worklogs",
                    "comment",
                    &["created", "updated", "started"],
                );
            }
            "timetracking" => return value.clone(),
            _ => {}
        }
        if adf::is_document(value) {
            return Value::String(self.rich_text(value));
        }
        match (schema_type(self.world, id), value.as_str()) {
            ("datetime", Some(text)) => self.date_time(text).map_or(Value::Null, Value::String),
            ("date", Some(text)) => date(text).map_or(Value::Null, Value::String),
            _ => Value::Null,
        }
    }

    /// The HTML of a stored document.
    pub(crate) fn rich_text(&self, doc: &Value) -> String {
        html::from_adf(self.links, self.world, doc)
    }

    /// A page of comments or worklogs (`list` names its items) with each item's
    /// rich text (`body`) as HTML and its `times` rendered.
    fn page(&self, page: &Value, list: &str, body: &str, times: &[&str]) -> Value {
        let mut page = page.clone();
        if let Some(items) = page.get_mut(list).and_then(Value::as_array_mut) {
            for item in items {
                if let Some(doc) = item.get(body).filter(|doc| adf::is_document(doc)) {
                    item[body] = Value::String(self.rich_text(doc));
                }
                for time in times {
                    if let Some(text) = item.get(*time).and_then(Value::as_str) {
                        item[*time] = self.date_time(text).map_or(Value::Null, Value::String);
                    }
                }
            }
        }
        page
    }

    /// A stored date-time in Jira's complete format in the reader's zone
    /// (`04/Dec/26 2:15 AM`).
    pub(crate) fn date_time(&self, stored: &str) -> Option<String> {
        let at = OffsetDateTime::parse(stored, STORED_DATE_TIME).ok()?;
        Some(CompleteDateTime::at(at, &self.zone).text())
    }
}

/// A stored date in Jira's date format (`28/Mar/24`).
fn date(stored: &str) -> Option<String> {
    Date::parse(stored, STORED_DATE).ok().map(day_month_year)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::seed::Seed;

    fn world() -> World {
        World::from_seed(&Seed::default()).expect("the default seed")
    }

    #[test]
    fn dates_render_in_the_complete_format_in_the_readers_zone() {
        let mut world = world();
        world.users[0].time_zone = String::from("Europe/Berlin");
        let id = world.users[0].account_id.clone();
        let reader = Reader::new("https://site.test", &world, &id);
        assert_eq!(
            reader.date_time("2026-12-04T02:15:01.000+0000").as_deref(),
            Some("04/Dec/26 3:15 AM")
        );
        assert_eq!(
            reader.date_time("2026-07-01T11:05:00.000+0000").as_deref(),
            Some("01/Jul/26 1:05 PM")
        );
        assert_eq!(
            reader.date_time("2026-07-01T22:30:00.000+0000").as_deref(),
            Some("02/Jul/26 12:30 AM"),
            "midnight is 12 AM, on the reader's date"
        );
        let stranger = Reader::new("https://site.test", &world, "nobody");
        assert_eq!(
            stranger
                .date_time("2026-07-01T12:00:00.000+0000")
                .as_deref(),
            Some("01/Jul/26 12:00 PM"),
            "an unknown reader reads UTC"
        );
        assert_eq!(reader.date_time("yesterday"), None);
        assert_eq!(date("2024-03-08").as_deref(), Some("08/Mar/24"));
    }

    #[test]
    fn each_field_renders_by_its_type_and_the_rest_are_null() {
        let world = world();
        let reader = Reader::new("https://site.test", &world, "nobody");
        let fields = json!({
            "summary": "Plain",
            "status": { "name": "To Do" },
            "description": { "type": "doc", "version": 1, "content": [
                { "type": "paragraph", "content": [{ "type": "text", "text": "a < b" }] }
            ] },
            "environment": null,
            "created": "2026-01-02T03:04:05.000+0000",
            "duedate": "2026-02-03",
            "labels": ["2026-02-03"],
            "timetracking": { "originalEstimate": "1d" },
            "comment": { "startAt": 0, "maxResults": 1, "total": 1, "comments": [{
                "id": "1",
                "body": { "type": "doc", "version": 1, "content": [
                    { "type": "paragraph", "content": [{ "type": "text", "text": "hi", "marks": [{ "type": "strong" }] }] }
                ] },
                "created": "2026-01-02T03:04:05.000+0000",
                "updated": "2026-01-02T15:04:05.000+0000"
            }] }
        });
        let rendered = reader.fields(&fields);
        assert_eq!(
            rendered,
            json!({
                "summary": null,
                "status": null,
                "description": "<p>a &lt; b</p>",
                "environment": null,
                "created": "02/Jan/26 3:04 AM",
                "duedate": "03/Feb/26",
                "labels": null,
                "timetracking": { "originalEstimate": "1d" },
                "comment": { "startAt": 0, "maxResults": 1, "total": 1, "comments": [{
                    "id": "1",
                    "body": "<p><b>hi</b></p>",
                    "created": "02/Jan/26 3:04 AM",
                    "updated": "02/Jan/26 3:04 PM"
                }] }
            })
        );
    }
}
