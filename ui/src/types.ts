// Plain names for the shapes the UI receives from Rust (the "_Serialize" side of the
// generated bindings; what the UI sends back is accepted by the "_Deserialize" side).
export type {
  AppInfo,
  Author,
  ClientCard_Serialize as ClientCard,
  ClientList_Serialize as ClientList,
  ClientRow_Serialize as ClientRow,
  CommandError_Serialize as CommandError,
  CompanyCard_Serialize as CompanyCard,
  Colleague,
  KbArticle,
  ErrorCode,
  Language,
  Line,
  Message,
  MessageHit,
  MessageStatus,
  PresenceStatus,
  Profile_Serialize as Profile,
  QuickReply,
  Settings,
  SyncState,
} from "./bindings";
