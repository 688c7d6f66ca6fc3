#include "redact/redactor.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

namespace vigil {
namespace {

std::string Digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

bool CardCheck(std::string_view match) {
  const std::string d = Digits(match);
  return d.size() >= 13 && d.size() <= 19 && Redactor::LuhnValid(d);
}

bool IbanCheck(std::string_view match) { return Redactor::IbanValid(match); }

// Exactly four parts of 0–255: "1.2.3.4.5" (a version) is not an address.
bool Ipv4Check(std::string_view match) {
  int parts = 0;
  size_t start = 0;
  while (start <= match.size()) {
    size_t end = match.find('.', start);
    if (end == std::string_view::npos) end = match.size();
    const std::string_view part = match.substr(start, end - start);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    if (std::stoi(std::string(part)) > 255) return false;
    ++parts;
    start = end + 1;
  }
  return parts == 4;
}

struct BuiltIn {
  const char* name;
  const char* regex;
  bool (*check)(std::string_view);
};

// Order matters: tokens and addresses first, so a digit run inside them is not read as a card.
const BuiltIn kBuiltIns[] = {
    {"api_key",
     R"((?:\b(?:sk|pk|rk)[-_](?:live[-_]|test[-_]|proj[-_])?[A-Za-z0-9_-]{16,}|\bAKIA[0-9A-Z]{16}\b|)"
     R"(\bgh[pousr]_[A-Za-z0-9]{30,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAIza[0-9A-Za-z_-]{35}|)"
     R"((?i:bearer)\s+[A-Za-z0-9._~+/-]{16,}=*))",
     nullptr},
    {"email", R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})", nullptr},
    {"iban", R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b)", IbanCheck},
    {"payment_card", R"(\b\d(?:[ -]?\d){12,18}\b)", CardCheck},
    {"phone", R"(\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}[ .-]?\d{2,4}(?:[ .-]?\d{2,4})?)",
     nullptr},
    {"ip_address", R"(\b\d{1,3}(?:\.\d{1,3}){3,}\b)", Ipv4Check},
};

void AddFired(std::vector<std::string>& fired, const std::string& name) {
  if (std::find(fired.begin(), fired.end(), name) == fired.end()) fired.push_back(name);
}

}  // namespace

Redactor::~Redactor() = default;

Result<std::unique_ptr<Redactor>> Redactor::Create(const RedactionConfig& config) {
  std::unique_ptr<Redactor> r(new Redactor());
  RE2::Options options;
  options.set_log_errors(false);
  for (const BuiltIn& b : kBuiltIns) {
    if (std::find(config.detectors.begin(), config.detectors.end(), b.name) ==
        config.detectors.end()) {
      continue;
    }
    Detector d{b.name, std::make_unique<re2::RE2>(std::string("(") + b.regex + ")", options),
               b.check};
    if (!d.regex->ok()) return Status::Internal("detector " + d.name + ": " + d.regex->error());
    r->detectors_.push_back(std::move(d));
  }
  for (const RedactionPattern& p : config.patterns) {
    Detector d{p.name, std::make_unique<re2::RE2>("(" + p.regex + ")", options), nullptr};
    if (!d.regex->ok()) {
      return Status::InvalidArgument("is not a valid RE2 expression: " + d.regex->error(),
                                     "redaction.patterns." + p.name);
    }
    r->detectors_.push_back(std::move(d));
  }
  return r;
}

void Redactor::Mask(std::string& text, std::vector<std::string>& fired) const {
  if (text.empty()) return;
  for (const Detector& d : detectors_) {
    re2::StringPiece input(text);
    re2::StringPiece match;
    std::string out;
    const char* last = text.data();
    bool changed = false;
    while (!input.empty() && re2::RE2::FindAndConsume(&input, *d.regex, &match)) {
      if (match.empty()) {  // an empty match: step past it
        if (input.empty()) break;
        input.remove_prefix(1);
        continue;
      }
      if (d.check && !d.check(std::string_view(match.data(), match.size()))) continue;
      out.append(last, static_cast<size_t>(match.data() - last));
      out += "[REDACTED:" + d.name + "]";
      last = match.data() + match.size();
      changed = true;
    }
    if (!changed) continue;
    out.append(last, static_cast<size_t>(text.data() + text.size() - last));
    text = std::move(out);
    AddFired(fired, d.name);
  }
}

RedactionOutcome Redactor::Apply(std::span<Event> events,
                                 const std::vector<std::vector<std::string>>* extra_fired) const {
  RedactionOutcome outcome;
  if (!active()) return outcome;
  for (size_t i = 0; i < events.size(); ++i) {
    Event& e = events[i];
    std::vector<std::string> fired;
    for (auto& [key, value] : e.attrs) Mask(value, fired);
    for (std::string* field : {&e.request_id, &e.idempotency_key, &e.use_case, &e.release, &e.model,
                               &e.tool, &e.metric}) {
      Mask(*field, fired);
    }
    const size_t slash = e.error_class.find('/');
    if (slash != std::string::npos) {
      std::string detail = e.error_class.substr(slash + 1);
      std::vector<std::string> in_detail;
      Mask(detail, in_detail);
      if (!in_detail.empty()) {
        // A masked detail would not fit the class vocabulary's detail rules: drop it.
        e.error_class = e.error_class.substr(0, slash);
        for (const std::string& n : in_detail) AddFired(fired, n);
      }
    }
    if (extra_fired && i < extra_fired->size()) {
      for (const std::string& n : (*extra_fired)[i]) AddFired(fired, n);
    }
    if (fired.empty()) continue;
    ++outcome.events;
    std::string names;
    for (const std::string& n : fired) {
      names += (names.empty() ? "" : ",") + n;
      ++outcome.detections[n];
    }
    e.attrs.emplace_back("vigil.redacted", names);
    if (e.status == EventStatus::kError && e.error_class.rfind("sensitive_data", 0) != 0) {
      e.attrs.emplace_back("vigil.error_class", e.error_class);
    }
    e.status = EventStatus::kError;
    e.error_class = "sensitive_data/" + fired.front();
  }
  return outcome;
}

void RecordRedaction(const RedactionOutcome& outcome, MetricsRegistry& metrics) {
  if (outcome.events == 0) return;
  metrics
      .GetCounter("vigil_redacted_events_total",
                  "Events in which sensitive data was detected and masked at ingest.")
      .Inc(outcome.events);
  for (const auto& [detector, n] : outcome.detections) {
    metrics
        .GetCounter("vigil_redactions_total", "Sensitive-data detections at ingest by detector.",
                    {{"detector", detector}})
        .Inc(n);
  }
}

bool Redactor::LuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!std::isdigit(static_cast<unsigned char>(*it))) return false;
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool Redactor::IbanValid(std::string_view text) {
  std::string iban;
  for (char c : text) {
    if (c != ' ') iban += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (iban.size() < 15 || iban.size() > 34) return false;
  const std::string rearranged = iban.substr(4) + iban.substr(0, 4);
  int remainder = 0;
  for (char c : rearranged) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      const int v = c - 'A' + 10;
      remainder = (remainder * 100 + v) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

}  // namespace vigil
