#include "incidents/kb.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace vigil {
namespace {

using nlohmann::json;

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char ch : text + " ") {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      out.push_back(word);
      word.clear();
    }
  }
  return out;
}

// Words as FTS5 alternatives: "permission" OR "denied" — each quoted, so no word is read as
// query syntax (AND, NEAR, column filters).
std::string MatchExpression(const std::vector<std::string>& words) {
  std::string expr;
  std::set<std::string> seen;
  for (const std::string& w : words) {
    if (!seen.insert(w).second) continue;
    expr += (expr.empty() ? "\"" : " OR \"") + w + "\"";
  }
  return expr;
}

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

json SignatureJson(const Signature& s) {
  return {{"use_case", s.use_case}, {"layers", s.layers}, {"error_classes", s.error_classes},
          {"models", s.models},     {"tools", s.tools},   {"release_change", s.release_change}};
}

std::vector<std::string> StringsOf(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array()) {
    for (const json& v : j[key]) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

size_t Shared(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t n = 0;
  for (const std::string& x : a) n += std::count(b.begin(), b.end(), x) > 0;
  return n;
}

constexpr char kSelect[] =
    "SELECT postmortem_id, incident_id, use_case, title, status, rules, sig_json, "
    "snippet(kb_docs, -1, '[', ']', '…', 14), bm25(kb_docs, 4.0, 1.0, 2.0, 2.0) FROM kb_docs ";

KbHit ReadHit(const SqliteStatement& s) {
  KbHit h;
  h.postmortem_id = s.ColumnInt(0);
  h.incident_id = s.ColumnInt(1);
  h.use_case = s.ColumnText(2);
  h.title = s.ColumnText(3);
  h.status = s.ColumnText(4);
  h.prevention_rules = Lines(s.ColumnText(5));
  h.snippet = s.ColumnText(7);
  h.score = -s.ColumnDouble(8);  // bm25: lower is better
  return h;
}

}  // namespace

namespace kb {

const char* Schema() {
  return "CREATE VIRTUAL TABLE kb_docs USING fts5("
         "  title, body, signature, rules,"
         "  postmortem_id UNINDEXED, incident_id UNINDEXED, use_case UNINDEXED,"
         "  status UNINDEXED, sig_json UNINDEXED,"
         "  tokenize = 'porter unicode61');";
}

Status Index(SqliteDb& db, const Postmortem& pm) {
  Result<SqliteStatement> del = db.Prepare("DELETE FROM kb_docs WHERE postmortem_id = ?");
  if (!del.ok()) return del.status();
  del->BindInt(1, pm.id);
  VIGIL_RETURN_IF_ERROR(del->Run());

  std::string body = pm.summary + "\n" + pm.diagnosis + "\n";
  for (const PostmortemQuestion& q : pm.questions) body += q.answer + "\n";
  for (const std::string& g : pm.guardrail_failures) body += g + "\n";
  for (const PostmortemEntry& e : pm.timeline) {
    if (e.kind == "alert_fired" || e.kind == "action" || e.kind == "update") {
      body += e.summary + "\n";
    }
  }
  const Signature& s = pm.signature;
  const std::string signature = s.use_case + " " + Join(s.layers, " ") + " " +
                                Join(s.error_classes, " ") + " " + Join(s.models, " ") + " " +
                                Join(s.tools, " ") + " " + s.release_change;
  std::vector<std::string> rules;
  for (const Reinforcement& r : pm.reinforcements) {
    if (r.verification.verified) {
      rules.push_back(r.kind + " " + r.ref + (r.description.empty() ? "" : ": " + r.description));
    }
  }
  Result<SqliteStatement> ins = db.Prepare(
      "INSERT INTO kb_docs (title, body, signature, rules, postmortem_id, incident_id, use_case, "
      "status, sig_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins.ok()) return ins.status();
  ins->BindText(1, pm.title);
  ins->BindText(2, body);
  ins->BindText(3, signature);
  ins->BindText(4, Join(rules, "\n"));
  ins->BindInt(5, pm.id);
  ins->BindInt(6, pm.incident_id);
  ins->BindText(7, pm.use_case);
  ins->BindText(8, pm.Complete() ? "complete" : "draft");
  ins->BindText(9, SignatureJson(s).dump());
  return ins->Run();
}

}  // namespace kb

Result<std::vector<KbHit>> KnowledgeBase::Search(const std::string& query, size_t limit) {
  const std::string expr = MatchExpression(Words(query));
  if (expr.empty()) return Status::InvalidArgument("needs at least one word", "q");
  std::vector<KbHit> hits;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> s =
        db.Prepare(std::string(kSelect) + "WHERE kb_docs MATCH ? ORDER BY 9 LIMIT ?");
    if (!s.ok()) return s.status();
    s->BindText(1, expr);
    s->BindInt(2, static_cast<int64_t>(limit));
    Status step;
    while (s->Step(step)) hits.push_back(ReadHit(*s));
    return step;
  });
  if (!st.ok()) return st;
  return hits;
}

Result<std::vector<KbHit>> KnowledgeBase::Similar(const Signature& signature,
                                                  int64_t exclude_incident, size_t limit) {
  // Text rank of the signature's words, then the overlap of the structured signature.
  std::vector<std::string> words =
      Words(Join(signature.error_classes, " ") + " " + Join(signature.tools, " ") + " " +
            Join(signature.models, " ") + " " + signature.use_case);
  std::map<int64_t, KbHit> by_id;
  std::map<int64_t, json> sigs;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    const std::string expr = MatchExpression(words);
    Result<SqliteStatement> s =
        expr.empty() ? db.Prepare(std::string(kSelect) + "WHERE use_case = ? AND incident_id != ?")
                     : db.Prepare(std::string(kSelect) +
                                  "WHERE kb_docs MATCH ? AND incident_id != ? ORDER BY 9 LIMIT 50");
    if (!s.ok()) return s.status();
    s->BindText(1, expr.empty() ? signature.use_case : expr);
    s->BindInt(2, exclude_incident);
    Status step;
    while (s->Step(step)) {
      KbHit h = ReadHit(*s);
      sigs[h.postmortem_id] = json::parse(s->ColumnText(6), nullptr, false);
      by_id[h.postmortem_id] = std::move(h);
    }
    return step;
  });
  if (!st.ok()) return st;
  std::vector<KbHit> out;
  for (auto& [id, hit] : by_id) {
    const json& sig = sigs[id];
    if (!sig.is_object()) continue;
    double overlap = 0;
    if (sig.value("use_case", "") == signature.use_case) overlap += 3;
    overlap +=
        2.0 * static_cast<double>(Shared(signature.error_classes, StringsOf(sig, "error_classes")));
    overlap += 2.0 * static_cast<double>(Shared(signature.tools, StringsOf(sig, "tools")));
    overlap += 1.0 * static_cast<double>(Shared(signature.models, StringsOf(sig, "models")));
    overlap += 0.5 * static_cast<double>(Shared(signature.layers, StringsOf(sig, "layers")));
    if (overlap < 2) continue;  // a shared word alone is not a similar incident
    hit.score = overlap + std::min(2.0, std::max(0.0, hit.score));
    out.push_back(std::move(hit));
  }
  std::sort(out.begin(), out.end(), [](const KbHit& a, const KbHit& b) {
    return a.score != b.score ? a.score > b.score : a.postmortem_id > b.postmortem_id;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace vigil
