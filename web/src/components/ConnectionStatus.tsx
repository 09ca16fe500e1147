import { connectionState } from "../connection";
import { useI18n } from "../i18n";
import { useStore } from "../store";

/** Always visible: whether live updates are flowing. `data-state` is for styling and tests. */
export function ConnectionStatus() {
  const { t } = useI18n();
  const state = useStore(connectionState);
  return (
    <div role="status" aria-live="polite" className={`connection connection-${state}`} data-state={state} title={t.connectionHelp[state]}>
      <span className="dot" aria-hidden="true" />
      {t.connection[state]}
    </div>
  );
}

/** A line under the header while updates are not flowing, saying what happens next. */
export function ConnectionBanner() {
  const { t } = useI18n();
  const state = useStore(connectionState);
  if (state !== "reconnecting" && state !== "offline") return null;
  return <div className={`connection-banner ${state}`}>{t.connectionHelp[state]}</div>;
}
