/**
 * What the alert rules that do not read the call rollups observe: each budget's state ({@code budget} rules) and a
 * score's window against its baseline ({@code quality_drop}), as {@link dev.chatlog.alerts.AlertEvaluator.Observation}s
 * for the engine to turn into states.
 */
package dev.chatlog.alerts.observe;
