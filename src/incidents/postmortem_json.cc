#include "incidents/postmortem_json.h"

#include <set>

#include "common/time_util.h"

namespace vigil {
namespace {

using nlohmann::json;

constexpr int64_t kEndOfDayNs = (23LL * 3600 + 59 * 60 + 59) * kNanosPerSecond;

std::string Time(int64_t ns) { return ns == 0 ? std::string() : FormatRfc3339(ns); }

// Due dates are days ("2026-12-05", meaning the end of that day UTC) or RFC 3339 times.
std::string FormatDue(int64_t ns) {
  if (ns == 0) return "";
  const std::string t = FormatRfc3339(ns);
  if ((ns % (86400LL * kNanosPerSecond)) == kEndOfDayNs) return t.substr(0, 10);
  return t;
}

Result<int64_t> ParseDue(const std::string& text) {
  if (text.size() == 10) {
    Result<int64_t> day = ParseRfc3339(text + "T00:00:00Z");
    if (!day.ok()) return day.status();
    return *day + kEndOfDayNs;
  }
  return ParseRfc3339(text);
}

int64_t TimeField(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty()) return 0;
  Result<int64_t> t = ParseRfc3339(j[key].get<std::string>());
  return t.ok() ? *t : 0;
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || !j[key].is_array()) return out;
  for (const json& v : j[key]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

json ReinforcementJson(const Reinforcement& r, int64_t now_ns) {
  json v = {{"checked", r.verification.checked}, {"verified", r.verification.verified}};
  if (r.verification.checked) {
    v["reason"] = r.verification.reason;
    v["checked_at"] = Time(r.verification.checked_ns);
    if (r.kind == "alert_rule" && r.verification.verified) {
      v["lead_time_s"] = r.verification.lead_time_s;
    }
  }
  return {{"kind", r.kind},
          {"ref", r.ref},
          {"description", r.description},
          {"owner", r.owner},
          {"due", FormatDue(r.due_ns)},
          {"overdue", r.due_ns != 0 && r.due_ns < now_ns && !r.verification.verified},
          {"verification", v}};
}

Status StringField(const json& edit, const char* key, const std::string& path, std::string& out,
                   bool required, size_t max_len) {
  if (!edit.contains(key) || edit[key].is_null()) {
    if (required) return Status::InvalidArgument("is required", path);
    out.clear();
    return Status::Ok();
  }
  if (!edit[key].is_string()) return Status::InvalidArgument("must be a string", path);
  out = edit[key].get<std::string>();
  if (out.size() > max_len) {
    return Status::InvalidArgument("is longer than " + std::to_string(max_len) + " bytes", path);
  }
  return Status::Ok();
}

}  // namespace

json PostmortemToJson(const Postmortem& pm, int64_t now_ns) {
  json timeline = json::array();
  for (const PostmortemEntry& e : pm.timeline) {
    timeline.push_back(
        {{"at", Time(e.at_ns)}, {"kind", e.kind}, {"actor", e.actor}, {"summary", e.summary}});
  }
  json decisions = json::array();
  for (const DecisionPoint& d : pm.decision_points) {
    decisions.push_back({{"at", Time(d.at_ns)},
                         {"decided_by", d.decided_by},
                         {"automated", d.automated},
                         {"decision", d.decision},
                         {"outcome", d.outcome}});
  }
  json questions = json::array();
  for (const PostmortemQuestion& q : pm.questions) {
    questions.push_back(
        {{"key", q.key}, {"question", q.question}, {"answer", q.answer}, {"open", q.open}});
  }
  json reinforcements = json::array();
  for (const Reinforcement& r : pm.reinforcements) {
    reinforcements.push_back(ReinforcementJson(r, now_ns));
  }
  json overdue = json::array();
  for (size_t i : pm.Overdue(now_ns)) overdue.push_back(i + 1);
  const Signature& s = pm.signature;
  return {{"id", pm.id},
          {"incident_id", pm.incident_id},
          {"use_case", pm.use_case},
          {"title", pm.title},
          {"status", pm.Complete() ? "complete" : "draft"},
          {"author", pm.author},
          {"created_at", Time(pm.created_ns)},
          {"updated_at", Time(pm.updated_ns)},
          {"incident_opened_at", Time(pm.incident_opened_ns)},
          {"detected_at", Time(pm.detected_ns)},
          {"incident_end", Time(pm.incident_end_ns)},
          {"release", pm.release},
          {"signature",
           {{"use_case", s.use_case},
            {"layers", s.layers},
            {"error_classes", s.error_classes},
            {"models", s.models},
            {"tools", s.tools},
            {"release_change", s.release_change}}},
          {"summary", pm.summary},
          {"diagnosis", pm.diagnosis},
          {"timeline", timeline},
          {"decision_points", decisions},
          {"questions", questions},
          {"guardrail_failures", pm.guardrail_failures},
          {"reinforcements", reinforcements},
          {"verification",
           {{"verified_at", Time(pm.verified_ns)},
            {"complete", pm.Complete()},
            {"missing_kinds", pm.MissingKinds()},
            {"overdue", overdue}}}};
}

Result<Postmortem> PostmortemFromJson(const json& doc) {
  if (!doc.is_object()) return Status::InvalidArgument("a postmortem is a JSON object");
  Postmortem pm;
  pm.id = doc.value("id", int64_t{0});
  pm.incident_id = doc.value("incident_id", int64_t{0});
  pm.use_case = doc.value("use_case", "");
  pm.title = doc.value("title", "");
  pm.author = doc.value("author", "");
  pm.created_ns = TimeField(doc, "created_at");
  pm.updated_ns = TimeField(doc, "updated_at");
  pm.incident_opened_ns = TimeField(doc, "incident_opened_at");
  pm.detected_ns = TimeField(doc, "detected_at");
  pm.incident_end_ns = TimeField(doc, "incident_end");
  pm.release = doc.value("release", "");
  if (doc.contains("signature") && doc["signature"].is_object()) {
    const json& s = doc["signature"];
    pm.signature.use_case = s.value("use_case", "");
    pm.signature.layers = Strings(s, "layers");
    pm.signature.error_classes = Strings(s, "error_classes");
    pm.signature.models = Strings(s, "models");
    pm.signature.tools = Strings(s, "tools");
    pm.signature.release_change = s.value("release_change", "");
  }
  pm.summary = doc.value("summary", "");
  pm.diagnosis = doc.value("diagnosis", "");
  for (const json& e : doc.value("timeline", json::array())) {
    pm.timeline.push_back(
        {TimeField(e, "at"), e.value("kind", ""), e.value("actor", ""), e.value("summary", "")});
  }
  for (const json& d : doc.value("decision_points", json::array())) {
    pm.decision_points.push_back({TimeField(d, "at"), d.value("decided_by", ""),
                                  d.value("automated", false), d.value("decision", ""),
                                  d.value("outcome", "")});
  }
  for (const json& q : doc.value("questions", json::array())) {
    pm.questions.push_back({q.value("key", ""), q.value("question", ""), q.value("answer", ""),
                            q.value("open", true)});
  }
  pm.guardrail_failures = Strings(doc, "guardrail_failures");
  for (const json& r : doc.value("reinforcements", json::array())) {
    Reinforcement x;
    x.kind = r.value("kind", "");
    x.ref = r.value("ref", "");
    x.description = r.value("description", "");
    x.owner = r.value("owner", "");
    Result<int64_t> due = ParseDue(r.value("due", ""));
    x.due_ns = due.ok() ? *due : 0;
    const json v = r.value("verification", json::object());
    x.verification.checked = v.value("checked", false);
    x.verification.verified = v.value("verified", false);
    x.verification.reason = v.value("reason", "");
    x.verification.checked_ns = TimeField(v, "checked_at");
    x.verification.lead_time_s = v.value("lead_time_s", 0.0);
    pm.reinforcements.push_back(std::move(x));
  }
  if (doc.contains("verification") && doc["verification"].is_object()) {
    pm.verified_ns = TimeField(doc["verification"], "verified_at");
  }
  pm.status = pm.Complete() ? "complete" : "draft";
  return pm;
}

json PostmortemEditable(const Postmortem& pm) {
  json questions = json::array();
  for (const PostmortemQuestion& q : pm.questions) {
    questions.push_back({{"key", q.key}, {"question", q.question}, {"answer", q.answer}});
  }
  json reinforcements = json::array();
  for (const Reinforcement& r : pm.reinforcements) {
    reinforcements.push_back({{"kind", r.kind},
                              {"ref", r.ref},
                              {"description", r.description},
                              {"owner", r.owner},
                              {"due", FormatDue(r.due_ns)}});
  }
  return {{"title", pm.title},
          {"summary", pm.summary},
          {"questions", questions},
          {"guardrail_failures", pm.guardrail_failures},
          {"reinforcements", reinforcements}};
}

Status ApplyPostmortemEdit(const json& edit, Postmortem& pm) {
  if (!edit.is_object()) return Status::InvalidArgument("an edit is a JSON object");
  static const std::set<std::string> kEditable = {"title", "summary", "questions",
                                                  "guardrail_failures", "reinforcements"};
  for (const auto& [key, value] : edit.items()) {
    if (!kEditable.count(key)) {
      return Status::InvalidArgument(
          "is not editable (editable: title, summary, questions, guardrail_failures, "
          "reinforcements)",
          key);
    }
  }
  Postmortem out = pm;
  if (edit.contains("title")) {
    VIGIL_RETURN_IF_ERROR(StringField(edit, "title", "title", out.title, true, 300));
  }
  if (edit.contains("summary")) {
    VIGIL_RETURN_IF_ERROR(StringField(edit, "summary", "summary", out.summary, false, 20000));
  }
  if (edit.contains("questions")) {
    if (!edit["questions"].is_array())
      return Status::InvalidArgument("must be a list", "questions");
    for (size_t i = 0; i < edit["questions"].size(); ++i) {
      const json& q = edit["questions"][i];
      const std::string path = "questions[" + std::to_string(i) + "]";
      if (!q.is_object()) return Status::InvalidArgument("must be an object", path);
      std::string key, answer;
      VIGIL_RETURN_IF_ERROR(StringField(q, "key", path + ".key", key, true, 64));
      VIGIL_RETURN_IF_ERROR(StringField(q, "answer", path + ".answer", answer, false, 20000));
      PostmortemQuestion* target = nullptr;
      for (PostmortemQuestion& existing : out.questions) {
        if (existing.key == key) target = &existing;
      }
      if (target == nullptr) {
        return Status::InvalidArgument(
            "unknown question '" + key +
                "' (trigger, guardrail, observability, rollback, prevention)",
            path + ".key");
      }
      target->answer = answer;
      target->open = answer.empty();
    }
  }
  if (edit.contains("guardrail_failures")) {
    const json& g = edit["guardrail_failures"];
    if (!g.is_array()) return Status::InvalidArgument("must be a list", "guardrail_failures");
    out.guardrail_failures.clear();
    for (size_t i = 0; i < g.size(); ++i) {
      if (!g[i].is_string()) {
        return Status::InvalidArgument("must be a string",
                                       "guardrail_failures[" + std::to_string(i) + "]");
      }
      out.guardrail_failures.push_back(g[i].get<std::string>());
    }
  }
  if (edit.contains("reinforcements")) {
    const json& list = edit["reinforcements"];
    if (!list.is_array()) return Status::InvalidArgument("must be a list", "reinforcements");
    if (list.size() > 100) return Status::InvalidArgument("at most 100", "reinforcements");
    std::vector<Reinforcement> next;
    for (size_t i = 0; i < list.size(); ++i) {
      const json& r = list[i];
      const std::string path = "reinforcements[" + std::to_string(i) + "]";
      if (!r.is_object()) return Status::InvalidArgument("must be an object", path);
      for (const auto& [key, value] : r.items()) {
        if (key != "kind" && key != "ref" && key != "description" && key != "owner" &&
            key != "due" && key != "verification" && key != "overdue") {
          return Status::InvalidArgument("unknown field", path + "." + key);
        }
      }
      Reinforcement x;
      VIGIL_RETURN_IF_ERROR(StringField(r, "kind", path + ".kind", x.kind, true, 32));
      if (x.kind != "alert_rule" && x.kind != "gate" && x.kind != "test") {
        return Status::InvalidArgument("must be alert_rule, gate or test", path + ".kind");
      }
      VIGIL_RETURN_IF_ERROR(StringField(r, "ref", path + ".ref", x.ref, true, 256));
      if (x.ref.empty()) return Status::InvalidArgument("is required", path + ".ref");
      VIGIL_RETURN_IF_ERROR(
          StringField(r, "description", path + ".description", x.description, false, 4000));
      VIGIL_RETURN_IF_ERROR(StringField(r, "owner", path + ".owner", x.owner, true, 128));
      if (x.owner.empty()) return Status::InvalidArgument("is required", path + ".owner");
      std::string due;
      VIGIL_RETURN_IF_ERROR(StringField(r, "due", path + ".due", due, true, 64));
      Result<int64_t> due_ns = ParseDue(due);
      if (!due_ns.ok()) {
        return Status::InvalidArgument("must be a date (2026-12-05) or an RFC 3339 time",
                                       path + ".due");
      }
      x.due_ns = *due_ns;
      // Keep the verification of an unchanged reinforcement.
      for (const Reinforcement& old : pm.reinforcements) {
        if (old.kind == x.kind && old.ref == x.ref) x.verification = old.verification;
      }
      next.push_back(std::move(x));
    }
    out.reinforcements = std::move(next);
  }
  out.status = out.Complete() ? "complete" : "draft";
  pm = std::move(out);
  return Status::Ok();
}

std::string PostmortemToMarkdown(const Postmortem& pm, int64_t now_ns) {
  std::string md = "# Postmortem " + std::to_string(pm.id) + ": " + pm.title + "\n\n";
  md += "- Incident: " + std::to_string(pm.incident_id) + " on " + pm.use_case + " (release " +
        (pm.release.empty() ? "unknown" : pm.release) + ")\n";
  md += "- Status: **" + std::string(pm.Complete() ? "complete" : "draft") + "**";
  if (pm.verified_ns) md += " (verified " + FormatRfc3339(pm.verified_ns) + ")";
  md += "\n- Author: " + pm.author + ", created " + Time(pm.created_ns) + "\n\n";
  if (!pm.summary.empty()) md += "## Summary\n\n" + pm.summary + "\n\n";
  if (!pm.diagnosis.empty()) md += "## Diagnosis\n\n" + pm.diagnosis + "\n\n";
  md += "## Timeline\n\n| time (UTC) | kind | actor | what |\n|---|---|---|---|\n";
  for (const PostmortemEntry& e : pm.timeline) {
    md += "| " + Time(e.at_ns) + " | " + e.kind + " | " + e.actor + " | " + e.summary + " |\n";
  }
  md += "\n## Decision points\n\n";
  for (const DecisionPoint& d : pm.decision_points) {
    md += "- " + Time(d.at_ns) + " — " + d.decision + " (decided by " + d.decided_by +
          (d.automated ? ", automated" : "") + ")" + (d.outcome.empty() ? "" : ": " + d.outcome) +
          "\n";
  }
  md += "\n## The five questions\n\n";
  for (const PostmortemQuestion& q : pm.questions) {
    md += "### " + q.question + "\n\n" + (q.answer.empty() ? "_open_" : q.answer) + "\n\n";
  }
  md += "## Guardrail failures\n\n";
  if (pm.guardrail_failures.empty()) md += "_none recorded yet_\n";
  for (const std::string& g : pm.guardrail_failures) md += "- " + g + "\n";
  md +=
      "\n## Reinforcements\n\n| # | kind | ref | owner | due | verified | reason |\n"
      "|---|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < pm.reinforcements.size(); ++i) {
    const Reinforcement& r = pm.reinforcements[i];
    const bool overdue = r.due_ns != 0 && r.due_ns < now_ns && !r.verification.verified;
    md += "| " + std::to_string(i + 1) + " | " + r.kind + " | " + r.ref + " | " + r.owner + " | " +
          FormatDue(r.due_ns) + (overdue ? " **overdue**" : "") + " | " +
          (r.verification.verified  ? "yes"
           : r.verification.checked ? "**no**"
                                    : "not checked") +
          " | " + r.verification.reason + " |\n";
  }
  const std::vector<std::string> missing = pm.MissingKinds();
  if (!missing.empty()) {
    md += "\nNot covered yet:";
    for (const std::string& k : missing) md += " " + k;
    md += "\n";
  }
  return md;
}

}  // namespace vigil
