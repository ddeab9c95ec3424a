package dev.tffashion.servemanager.leader;

/** Told, on a thread of the elector's own, when this replica gains and when it loses the leadership. */
public interface LeadershipListener {

    /** This replica leads now: it may number and install versions and announce the endpoint. */
    void started();

    /** This replica no longer leads (another one may lead already): it must stop acting at once. */
    void stopped();
}
