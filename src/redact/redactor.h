#pragma once
// Redactor: sensitive data caught at the door (docs/redaction.md). Detectors built on RE2 —
// e-mail addresses, payment card numbers (Luhn-checked), API keys and bearer tokens, phone
// numbers (international form), IBANs (mod-97 checked), IPv4 addresses — and user patterns
// from the config run over the free-text fields of events before anything is stored:
// attribute values, request id, idempotency key, the error detail, and the names (use case,
// release, model, tool, metric). A match is masked in place ("[REDACTED:email]").
//
// An event with a detection records which detectors fired (attrs["vigil.redacted"] =
// "email,payment_card") and becomes a sensitive_data occurrence: status error, error_class
// "sensitive_data/<first detector>" (a class it had is kept in attrs["vigil.error_class"]), so
// the live windows count it and rules on sensitive_data fire on what Vigil saw.
//
// Text that is not stored (OTLP span events, message content, status messages) is scanned
// with Detect() so it still counts. Thread-safety: const methods from any thread; the compiled
// expressions are immutable after Create().

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "model/event.h"

namespace re2 {
class RE2;
}

namespace vigil {

struct RedactionOutcome {
  size_t events = 0;                         // events with at least one detection
  std::map<std::string, size_t> detections;  // detector → matches masked or seen
};

class Redactor {
 public:
  // InvalidArgument naming a pattern that does not compile. An unconfigured (empty) config
  // gives a redactor that does nothing.
  static Result<std::unique_ptr<Redactor>> Create(const RedactionConfig& config);
  ~Redactor();

  bool active() const { return !detectors_.empty(); }
  // Masks `text` in place; appends the names of the detectors that matched to `fired`.
  void Mask(std::string& text, std::vector<std::string>& fired) const;
  // Masks every free-text field of each event, marking those with detections (see above).
  // `extra_fired[i]`, when given, names detectors that fired on text of event i that is not
  // stored; those events are marked too.
  RedactionOutcome Apply(std::span<Event> events,
                         const std::vector<std::vector<std::string>>* extra_fired = nullptr) const;

  static bool LuhnValid(std::string_view digits);
  static bool IbanValid(std::string_view iban);

 private:
  struct Detector {
    std::string name;
    std::unique_ptr<re2::RE2> regex;
    bool (*check)(std::string_view match) = nullptr;  // extra validation, e.g. Luhn
  };
  Redactor() = default;
  std::vector<Detector> detectors_;
};

// Counts an Apply() outcome: vigil_redacted_events_total, vigil_redactions_total{detector}.
void RecordRedaction(const RedactionOutcome& outcome, MetricsRegistry& metrics);

}  // namespace vigil
