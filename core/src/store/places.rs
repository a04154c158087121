//! Key places (重点场所).

use super::Store;
use super::projection::search_text;
use crate::doc::{DocView, Edit};
use crate::util::now_ms;
use crate::{Error, Place, PlaceType, RecordKind, Result};
use rusqlite::{Transaction, params};
use serde_json::json;

impl Store {
    pub fn add_place(&self, place: &Place) -> Result<String> {
        if place.name.trim().is_empty() {
            return Err(Error::invalid("place name", "须填写场所名称"));
        }
        if let (Some(lat), Some(lon)) = (place.lat, place.lon) {
            crate::model::check_lat_lon(lat, lon)?;
        }
        let mut inner = self.lock();
        inner.jurisdiction(&place.jurisdiction_id)?;
        inner.create(
            RecordKind::Place,
            "place",
            &[],
            &[
                Edit::Set("jurisdiction_id", json!(place.jurisdiction_id)),
                Edit::Set("name", json!(place.name.trim())),
                Edit::Set("place_type", json!(place.place_type.as_str())),
                Edit::Set("address", json!(place.address)),
                Edit::Set("lat", json!(place.lat)),
                Edit::Set("lon", json!(place.lon)),
                Edit::Set("owner", json!(place.owner)),
            ],
        )
    }

    pub fn place(&self, id: &str) -> Result<Place> {
        self.view(id, RecordKind::Place, |v| materialize(id, v))
    }

    /// Places in a jurisdiction subtree, by name.
    pub fn list_places(&self, jurisdiction_id: &str) -> Result<Vec<Place>> {
        self.read(|conn| {
            let path = super::reference::path_of(conn, jurisdiction_id)?;
            let mut stmt = conn.prepare_cached(
                "SELECT doc_id, jurisdiction_id, name, place_type, address, lat, lon FROM places
             WHERE jurisdiction_id IN (SELECT id FROM jurisdictions WHERE path LIKE ?1 || '%') ORDER BY name",
            )?;
            let rows = stmt.query_map([path], |r| {
                Ok(Place {
                    id: r.get(0)?,
                    jurisdiction_id: r.get(1)?,
                    name: r.get(2)?,
                    place_type: PlaceType::parse(&r.get::<_, String>(3)?).unwrap_or(PlaceType::Residential),
                    address: r.get(4)?,
                    lat: r.get(5)?,
                    lon: r.get(6)?,
                    owner: String::new(),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

fn materialize(id: &str, v: &DocView<'_>) -> Place {
    Place {
        id: id.to_owned(),
        jurisdiction_id: v.str("jurisdiction_id").unwrap_or_default(),
        name: v.str("name").unwrap_or_default(),
        place_type: v.str("place_type").and_then(|t| PlaceType::parse(&t)).unwrap_or(PlaceType::Residential),
        address: v.str("address").unwrap_or_default(),
        lat: v.field("lat").and_then(|x| x.as_f64()),
        lon: v.field("lon").and_then(|x| x.as_f64()),
        owner: v.str("owner").unwrap_or_default(),
    }
}

pub(crate) fn project(tx: &Transaction<'_>, id: &str, v: &DocView<'_>) -> Result<String> {
    let p = materialize(id, v);
    tx.prepare_cached(
        "INSERT OR REPLACE INTO places (doc_id, jurisdiction_id, name, place_type, address, lat, lon, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![id, p.jurisdiction_id, p.name, p.place_type.as_str(), p.address, p.lat, p.lon, now_ms()])?;
    Ok(search_text([p.name.as_str(), p.address.as_str(), p.owner.as_str()]))
}
