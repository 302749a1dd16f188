//! Hierarchical levels (X12 HL, EDIFACT CPS): IDs counting up from 1, parents that are open
//! earlier levels, level codes that follow the guide's parent/child matrix, and child codes
//! (HL04) that match what actually follows.
//!
//! The state is the open branch (the chain of ancestors of the last HL), which a depth-first
//! hierarchy needs and which never grows beyond the number of levels, plus the last HL's claim
//! about its children, checked when the next HL (or the end of the set) shows whether it had any.

use crate::report::{Location, Rule};
use crate::segment::Segment;

use super::compile::{Hierarchy, SegDef};

/// What a hierarchy check found; the checker turns it into a finding.
#[derive(Debug)]
pub(crate) struct HlIssue {
    pub rule: Rule,
    /// The element the issue is about.
    pub element: usize,
    pub message: String,
    pub value: String,
    /// Where the issue is when it is about an earlier HL (its HL04), not the current segment.
    pub earlier: Option<Earlier>,
}

/// Where an earlier HL segment was.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Earlier {
    pub position: Option<usize>,
    pub index: Option<usize>,
    pub offset: Option<usize>,
}

impl Earlier {
    /// `at` (the current segment's location) moved to the earlier segment, whose tag is `tag`.
    pub fn relocate(self, at: &Location, tag: &str) -> Location {
        Location { segment_position: self.position, segment_index: self.index, offset: self.offset, segment_tag: Some(tag.to_string()), ..at.clone() }
    }
}

#[derive(Debug, Default)]
pub(crate) struct HierState {
    /// The open branch: (ID, level index) from the root down to the last HL.
    path: Vec<(u64, Option<usize>)>,
    last_id: Option<u64>,
    /// The previous HL: its ID, its child code (`Some(true)` for `1`) and where it was.
    previous: Option<(u64, Option<bool>, Earlier)>,
}

impl HierState {
    /// Checks one hierarchy segment, adding what is wrong to `issues`.
    pub fn segment(&mut self, h: &Hierarchy, seg: &Segment<'_>, at: &Location, issues: &mut Vec<HlIssue>) {
        // Values borrow from the segment unless release characters or wrapping must be removed.
        let read = |n: usize| if n == 0 { None } else { seg.element(n).map(|e| e.value()) };
        let text = |v: &Option<std::borrow::Cow<'_, [u8]>>| v.as_deref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        let (id_raw, parent_raw, level_raw, children_raw) = (read(h.id), read(h.parent), read(h.level), read(h.children));
        let tag = seg.tag_str();
        let here = Earlier { position: at.segment_position, index: at.segment_index, offset: at.offset };

        let id = id_raw.as_deref().and_then(parse_id);
        match (id, self.last_id) {
            (None, _) => issues.push(HlIssue {
                rule: Rule::HierarchyOrder,
                element: h.id,
                message: format!("{tag}{:02} is {:?}; hierarchical IDs must be numbers counting up from 1", h.id, text(&id_raw)),
                value: text(&id_raw),
                earlier: None,
            }),
            (Some(id), None) if id != 1 => issues.push(HlIssue {
                rule: Rule::HierarchyOrder,
                element: h.id,
                message: format!("{tag}{:02} of the first {tag} is {id}; it must be 1", h.id),
                value: id.to_string(),
                earlier: None,
            }),
            (Some(id), Some(last)) if id <= last => issues.push(HlIssue {
                rule: Rule::HierarchyOrder,
                element: h.id,
                message: format!("{tag}{:02} is {id}, but the previous {tag} was {last}; hierarchical IDs must increase", h.id),
                value: id.to_string(),
                earlier: None,
            }),
            _ => {}
        }

        let level = level_raw.as_deref().filter(|v| !v.is_empty()).map(|code| h.levels.iter().position(|l| &*l.code == code));
        if let Some(None) = level
            && !h.levels.is_empty()
        {
            let codes: Vec<_> = h.levels.iter().map(|l| String::from_utf8_lossy(&l.code).into_owned()).collect();
            issues.push(HlIssue {
                rule: Rule::InvalidCode,
                element: h.level,
                message: format!("{tag}{:02} is {:?}, which is not a level of this guide ({})", h.level, text(&level_raw), codes.join(", ")),
                value: text(&level_raw),
                earlier: None,
            });
        }
        let level = level.flatten();

        // Find the parent on the open branch; a depth-first hierarchy allows no other.
        let parent_bytes = parent_raw.as_deref().unwrap_or_default();
        let parent = if parent_bytes.is_empty() { None } else { Some(parse_id(parent_bytes)) };
        let parent_level = match parent {
            None => {
                self.path.clear();
                if let Some(l) = level.and_then(|i| h.levels.get(i))
                    && !l.root
                {
                    issues.push(HlIssue {
                        rule: Rule::HierarchyParent,
                        element: h.parent,
                        message: format!("{tag}{:02} is empty, but a {} cannot be the top of the hierarchy; it needs a parent", h.parent, level_name(l)),
                        value: String::new(),
                        earlier: None,
                    });
                }
                None
            }
            Some(wanted) => match wanted.and_then(|w| self.path.iter().rposition(|(i, _)| *i == w)) {
                Some(depth) => {
                    self.path.truncate(depth + 1);
                    Some(self.path.last().and_then(|(_, l)| *l))
                }
                None => {
                    let open: Vec<String> = self.path.iter().map(|(i, _)| i.to_string()).collect();
                    let branch = if open.is_empty() { format!("there is no earlier {tag} open") } else { format!("the open ones are {}", open.join(" > ")) };
                    issues.push(HlIssue {
                        rule: Rule::HierarchyParent,
                        element: h.parent,
                        message: format!("{tag}{:02} is {}, which is not an earlier {tag} that is still open; {branch}", h.parent, text(&parent_raw)),
                        value: text(&parent_raw),
                        earlier: None,
                    });
                    None
                }
            },
        };
        if let (Some(Some(parent_level)), Some(this)) = (parent_level, level)
            && let (Some(l), Some(p)) = (h.levels.get(this), h.levels.get(parent_level))
            && !l.parents.contains(&parent_level)
        {
            let allowed: Vec<_> = l.parents.iter().filter_map(|i| h.levels.get(*i)).map(|x| String::from_utf8_lossy(&x.code).into_owned()).collect();
            let allowed =
                if allowed.is_empty() { "it can only be the top of the hierarchy".to_string() } else { format!("its parent must be {}", allowed.join(" or ")) };
            issues.push(HlIssue {
                rule: Rule::HierarchyParent,
                element: h.parent,
                message: format!("a {} cannot be a child of a {}; {allowed}", level_name(l), level_name(p)),
                value: text(&parent_raw),
                earlier: None,
            });
        }

        // The previous HL's child code, now that we know whether this HL is its child (unknown
        // when this HL's parent is itself in error).
        let parent_known = !(parent.is_some() && parent_level.is_none());
        if let Some((prev_id, Some(claims), earlier)) = self.previous.filter(|_| parent_known) {
            let is_child = parent.flatten() == Some(prev_id);
            if claims != is_child {
                let message = if claims {
                    format!("{tag}{:02} of {tag} {prev_id} is 1 (children follow), but the next {tag} is not its child", h.children)
                } else {
                    format!("{tag}{:02} of {tag} {prev_id} is 0 (no children), but the next {tag} is its child", h.children)
                };
                let value = if claims { "1" } else { "0" };
                issues.push(HlIssue { rule: Rule::HierarchyChildCode, element: h.children, message, value: value.into(), earlier: Some(earlier) });
            }
        }

        if let Some(id) = id {
            self.path.push((id, level));
            self.last_id = Some(self.last_id.map_or(id, |l| l.max(id)));
        }
        let claims = match children_raw.as_deref() {
            Some(b"1") => Some(true),
            Some(b"0") => Some(false),
            _ => None,
        };
        self.previous = id.map(|id| (id, claims, here));
    }

    /// The end of the set: the last HL has no children.
    pub fn finish(&mut self, h: &Hierarchy, def: Option<&SegDef>, issues: &mut Vec<HlIssue>) {
        if let Some((id, Some(true), earlier)) = self.previous.take() {
            let tag = def.map_or("HL", |d| &*d.tag);
            issues.push(HlIssue {
                rule: Rule::HierarchyChildCode,
                element: h.children,
                message: format!("{tag}{:02} of {tag} {id} is 1 (children follow), but no {tag} follows it", h.children),
                value: "1".into(),
                earlier: Some(earlier),
            });
        }
    }
}

fn parse_id(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

fn level_name(l: &super::compile::Level) -> String {
    let code = String::from_utf8_lossy(&l.code);
    if l.name.is_empty() { format!("level {code} HL") } else { format!("{} ({code}) HL", l.name) }
}
