// Public API of @haven/safety: curated exports only. Rules are in SPEC.md; usage in README.md.
export { ADULT_AGE, DEFAULT_TIME_ZONE, MIN_AGE, ageBand, ageInYears, ageOn, calendarDateIn, isLeapYear, parseCalendarDate } from './age';
export type { AgeError, CalendarDate } from './age';
export { CLIENT_HASH_CHECKS, DEFAULT_NUDITY_WARNINGS, DEFAULT_PRESET, NUDITY_WARNINGS, PRESET_NAMES, PRESETS } from './presets';
export type { ClientHashChecks, ModeCode, NudityWarnings, Preset, PresetName } from './presets';
export { DEFAULT_RULES, SafetyConfig, parseSafetyConfig, policyFor, resolvePolicy } from './config';
export type { Policy, Rules } from './config';
export { REASONS, allow, refuse } from './decision';
export type { Allowed, Decision, ReasonCode, Refusal } from './decision';
export { CONTACT_LINKS, NO_RELATIONSHIP, isBlocked, isContact, relationshipFromStates, reverse } from './relationship';
export type { ContactLink, Relationship } from './relationship';
export { conversationMode, membershipChangeAllowed, modeFits, safeguardsOf } from './mode';
export type { ModeDecision, Participant, Safeguards } from './mode';
export { canAcceptContactRequest, canSendContactRequest, canStartDirect } from './contact';
export { canAddToGroup, canCreateGroup, canJoinViaInvite } from './group';
export type { GroupState, RelationsOf } from './group';
export { appearsInSearch } from './search';
export { knowsByHandle } from './lookup';
export type { SearchVisibility } from './search';
export { holdsHashLists, matchOutcome, mediaChecks } from './media';
export type { MatchOutcome, MatchSource, MediaCheck, MediaParty } from './media';
export { DEFAULT_HELP, HELP_MOMENTS, HelpResource, RegionHelp, helpFor } from './help';
export type { Help, HelpMoment, HelpSettings } from './help';
export { helpPage } from './help-page';
export type { HelpPage } from './help-page';
export {
  BRITISH_TRANSPORT_POLICE, FORCE_BUCKETS, NOT_KNOWN, OTHER_REGIONS, POLICE_FORCE_AREAS,
  forceBucketName, forceBucketOf, forceFromName, forceNameKey, isForceAreaCode, isRegionCode, regionFromInput,
} from './police-forces';
export type { ForceAreaCode, ForceBucket, OtherRegionCode, PoliceForceArea, RegionCode } from './police-forces';
export { currentQuarter, inPeriod, parsePeriod } from './period';
export type { Period, PeriodError } from './period';
export {
  METHODS, METHOD_NAMES, NOT_RECORDED, STAT_DIMENSIONS, SURFACES, SURFACE_NAMES, computeStatistics, suppressionOf,
} from './statistics';
export type { Count, Incident, Method, Share, Shares, StatDimension, StatRow, StatisticsOptions, StatisticsReport, Suppression, Surface } from './statistics';
export { statisticsChartSpec, statisticsCsv, statisticsHeader, statisticsTable } from './statistics-format';
export { tableValidationText, validatePublishedTable } from './table-validate';
export type { ColumnShare, Finding, TableError, TableRow, TableShares, TableValidation, TableValue } from './table-validate';
export { decodeText } from './text-decode';
export { complianceMarkdown, complianceReport } from './compliance';
export type { ComplianceFacts, ComplianceReport, HashListFact, Measure, MeasureStatus, ModerationFacts } from './compliance';
export { DEFAULT_DUE_MINUTES, PRIORITY_RANK, PRIORITY_RULES, casePriority, dueAt, itemPriority, reportAcknowledgement } from './moderation';
export type { CaseFacts, Prioritised, PriorityRule } from './moderation';
export { DEFAULT_SIGNAL_THRESHOLDS, SIGNAL_CODES, SafetyEventSchema, SignalThresholds, riskSignals } from './signals';
export type { Party, RiskSignal, SafetyEvent, SignalCode, SignalContext } from './signals';
export { isNight, localHour } from './signal-rules';
export { TEXT_STAGES, TEXT_STAGE_NAMES } from './text-stages';
export type { TextStage } from './text-stages';
export { ANY_SIGNAL_CODES, DEFAULT_RISK_SETTINGS, REPORT_REMOVE_URL, RiskSettings, childNotice, frictionAllows, frictionFor, riskScore } from './risk';
export type { AnySignalCode, ChildNotice, Friction, RiskScore, ScoredSignal } from './risk';
export { DEFAULT_STAGE_THRESHOLDS, EN_PATTERNS, MODEL_ONLY_MARGIN, corpus, detectLanguage, patternBayesClassifier } from './text/index';
export type { ChatMessage, CorpusConversation, StageHit, TextAssessment, TextClassifier } from './text/index';
