//! Reference data that is not a document: the jurisdiction tree and checklist templates.
//! Both come from the server (or fixtures) and are replaced, not merged.

use super::{Inner, Store};
use crate::{ChecklistTemplate, Error, Jurisdiction, Level, Result};
use rusqlite::{Connection, OptionalExtension, params};

impl Store {
    /// Adds or updates jurisdiction nodes. A parent must be known (earlier in the slice or
    /// already stored) and one level above its child.
    pub fn upsert_jurisdictions(&self, nodes: &[Jurisdiction]) -> Result<()> {
        let mut inner = self.lock();
        let tx = inner.conn.transaction()?;
        for node in nodes {
            if node.id.trim().is_empty() || node.name.trim().is_empty() {
                return Err(Error::invalid("jurisdiction", "辖区的编号和名称都不能为空"));
            }
            let path = match &node.parent_id {
                None => {
                    if node.level != Level::City {
                        return Err(Error::invalid(
                            "jurisdiction",
                            format!("辖区 {} 没有上级，只有市级辖区可以没有上级", node.id),
                        ));
                    }
                    format!("/{}/", node.id)
                }
                Some(parent) => {
                    let (path, level): (String, String) = tx
                        .query_row("SELECT path, level FROM jurisdictions WHERE id = ?1", [parent], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .optional()?
                        .ok_or_else(|| {
                            Error::invalid("jurisdiction", format!("辖区 {} 的上级 {parent} 不存在", node.id))
                        })?;
                    if Level::parse(&level).and_then(Level::child) != Some(node.level) {
                        return Err(Error::invalid(
                            "jurisdiction",
                            format!(
                                "辖区 {} 是{}，不能直接设在{}之下",
                                node.id,
                                node.level.label_zh(),
                                Level::parse(&level).map_or("未知层级", Level::label_zh)
                            ),
                        ));
                    }
                    format!("{path}{}/", node.id)
                }
            };
            let bounds = node.bounds.map(|b| serde_json::to_string(&b).expect("plain JSON"));
            tx.execute(
                "INSERT INTO jurisdictions (id, parent_id, level, name, path, bounds) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, level = excluded.level,
                   name = excluded.name, path = excluded.path, bounds = excluded.bounds",
                params![node.id, node.parent_id, node.level.as_str(), node.name, path, bounds],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn jurisdiction(&self, id: &str) -> Result<Jurisdiction> {
        self.read(|conn| jurisdiction_of(conn, id))
    }

    /// Whether `node` is `ancestor` or lies below it.
    pub fn jurisdiction_within(&self, node: &str, ancestor: &str) -> Result<bool> {
        self.read(|conn| Ok(path_of(conn, node)?.starts_with(&path_of(conn, ancestor)?)))
    }

    /// The top nodes of the tree (those without a parent).
    pub fn jurisdiction_roots(&self) -> Result<Vec<Jurisdiction>> {
        let inner = self.lock();
        let mut stmt = inner.conn.prepare_cached(
            "SELECT id, parent_id, level, name, bounds FROM jurisdictions WHERE parent_id IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], row_to_jurisdiction)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The node and everything below it, parents before children.
    pub fn jurisdiction_subtree(&self, id: &str) -> Result<Vec<Jurisdiction>> {
        self.read(|conn| {
            let path = path_of(conn, id)?;
            let mut stmt = conn.prepare_cached(
                "SELECT id, parent_id, level, name, bounds FROM jurisdictions WHERE path LIKE ?1 || '%' ORDER BY length(path), id",
            )?;
            let rows = stmt.query_map([path], row_to_jurisdiction)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Stores a checklist template version. A published version never changes: storing a
    /// different body under the same id and version is refused.
    pub fn add_template(&self, template: &ChecklistTemplate) -> Result<()> {
        if template.items.is_empty() {
            return Err(Error::invalid("checklist template", "检查表没有任何检查项"));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = template.items.iter().find(|i| !seen.insert(&i.id)) {
            return Err(Error::invalid("checklist template", format!("检查项编号 {} 重复出现", dup.id)));
        }
        let body = serde_json::to_string(template).expect("plain JSON");
        let inner = self.lock();
        let existing: Option<String> = inner
            .conn
            .query_row(
                "SELECT body FROM templates WHERE id = ?1 AND version = ?2",
                params![template.id, template.version],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(old) if old == body => Ok(()),
            Some(_) => Err(Error::invalid(
                "checklist template",
                format!("检查表 {} 第 {} 版已发布且内容不同；修改后请发布新版本", template.id, template.version),
            )),
            None => {
                inner.conn.execute(
                    "INSERT INTO templates (id, version, body) VALUES (?1, ?2, ?3)",
                    params![template.id, template.version, body],
                )?;
                Ok(())
            }
        }
    }

    /// A template version: from the writer's cache when the writer is free, else read from a
    /// reader (a view does not wait behind a write).
    pub fn template(&self, id: &str, version: u32) -> Result<ChecklistTemplate> {
        match self.inner.try_lock() {
            Ok(mut inner) => inner.template(id, version),
            Err(_) => self.read(|conn| template_of(conn, id, version)),
        }
    }

    /// The highest stored version of a template.
    pub fn latest_template(&self, id: &str) -> Result<ChecklistTemplate> {
        let mut inner = self.lock();
        let version: Option<u32> =
            inner.conn.query_row("SELECT max(version) FROM templates WHERE id = ?1", [id], |r| r.get(0))?;
        let version = version.ok_or_else(|| Error::NotFound { kind: "checklist template", id: id.to_owned() })?;
        inner.template(id, version)
    }
}

impl Inner {
    pub(crate) fn template(&mut self, id: &str, version: u32) -> Result<ChecklistTemplate> {
        let key = (id.to_owned(), version);
        if let Some(t) = self.templates.get(&key) {
            return Ok(t.clone());
        }
        let t = template_of(&self.conn, id, version)?;
        self.templates.insert(key, t.clone());
        Ok(t)
    }

    pub(crate) fn jurisdiction(&self, id: &str) -> Result<Jurisdiction> {
        jurisdiction_of(&self.conn, id)
    }
}

fn template_of(conn: &Connection, id: &str, version: u32) -> Result<ChecklistTemplate> {
    let body: String = conn
        .query_row("SELECT body FROM templates WHERE id = ?1 AND version = ?2", params![id, version], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::UnknownTemplate { id: id.to_owned(), version })?;
    serde_json::from_str(&body)
        .map_err(|e| Error::invalid_because("stored template", "本机保存的检查表已损坏，请重新同步", e))
}

fn jurisdiction_of(conn: &Connection, id: &str) -> Result<Jurisdiction> {
    conn.query_row(
        "SELECT id, parent_id, level, name, bounds FROM jurisdictions WHERE id = ?1",
        [id],
        row_to_jurisdiction,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound { kind: "jurisdiction", id: id.to_owned() })
}

/// A node's path, `/root/…/id/`: a subtree is every node whose path starts with it.
pub(crate) fn path_of(conn: &Connection, id: &str) -> Result<String> {
    conn.query_row("SELECT path FROM jurisdictions WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound { kind: "jurisdiction", id: id.to_owned() })
}

fn row_to_jurisdiction(r: &rusqlite::Row<'_>) -> rusqlite::Result<Jurisdiction> {
    let level: String = r.get(2)?;
    let bounds: Option<String> = r.get(4)?;
    Ok(Jurisdiction {
        id: r.get(0)?,
        parent_id: r.get(1)?,
        level: Level::parse(&level).unwrap_or(Level::Grid),
        name: r.get(3)?,
        bounds: bounds.and_then(|b| serde_json::from_str(&b).ok()),
    })
}
