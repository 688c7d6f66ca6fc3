#include "model/event.h"

namespace vigil {

std::string_view LayerName(Layer layer) {
  switch (layer) {
    case Layer::kTask:
      return "task";
    case Layer::kInference:
      return "inference";
    case Layer::kTool:
      return "tool";
    case Layer::kBusiness:
      return "business";
  }
  return "task";
}

std::optional<Layer> ParseLayer(std::string_view name) {
  if (name == "task") return Layer::kTask;
  if (name == "inference") return Layer::kInference;
  if (name == "tool") return Layer::kTool;
  if (name == "business") return Layer::kBusiness;
  return std::nullopt;
}

}  // namespace vigil
