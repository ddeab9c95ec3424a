package dev.tffashion.modelserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.proto.AssetFileDef;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.types.TString;

/**
 * The session and MetaGraphDef of a loaded SavedModel (the MetaGraph tagged "serve", or --saved_model_tags). Loaded with
 * TensorFlow Java's SavedModelBundle; when that refuses a model because a SignatureDef's declared dtype differs from its
 * graph tensor (TensorFlow Java checks every signature at load, TF Serving checks none; TF Serving's own
 * saved_model_half_plus_three is such a model), the TF1 SavedModel is loaded the way TensorFlow's C++ loader does it:
 * import the graph, run the saver's restore op on {@code variables/variables}, then the main or legacy init op with the
 * asset files fed.
 */
final class LoadedGraph implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LoadedGraph.class.getName());
    /** The tag of the MetaGraph that TF Serving loads unless --saved_model_tags says otherwise. */
    static final String SERVE = SavedModelBundle.DEFAULT_TAG;

    private final Session session;
    private final MetaGraphDef metaGraph;
    private final AutoCloseable resources;

    private LoadedGraph(Session session, MetaGraphDef metaGraph, AutoCloseable resources) {
        this.session = session;
        this.metaGraph = metaGraph;
        this.resources = resources;
    }

    /** Loads the MetaGraph tagged exactly {@code tags} of the SavedModel with {@code config} (null: TensorFlow's defaults). */
    static LoadedGraph load(Path dir, ConfigProto config, Set<String> tags) {
        SavedModelBundle bundle;
        try {
            SavedModelBundle.Loader loader = SavedModelBundle.loader(dir.toString()).withTags(tags.toArray(String[]::new));
            bundle = (config == null ? loader : loader.withConfigProto(config)).load();
        } catch (IllegalArgumentException e) {
            LOG.info(() -> "TensorFlow Java refused the signatures of " + dir + " (" + e.getMessage() + "); loading its graph as"
                + " TF Serving does, without checking the signatures");
            return loadGraph(dir, config, tags);
        }
        return new LoadedGraph(bundle.session(), bundle.metaGraphDef(), bundle);
    }

    private static LoadedGraph loadGraph(Path dir, ConfigProto config, Set<String> tags) {
        SavedModel savedModel;
        try {
            savedModel = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
        } catch (IOException e) {
            throw ServingException.invalidArgument("Cannot read " + dir.resolve("saved_model.pb") + ": " + e.getMessage());
        }
        MetaGraphDef metaGraph = savedModel.getMetaGraphsList().stream()
            .filter(m -> Set.copyOf(m.getMetaInfoDef().getTagsList()).equals(tags))
            .findFirst()
            .orElseThrow(() -> ServingException.notFound("SavedModel " + dir + " has no MetaGraph tagged " + tags + "; its MetaGraphs"
                + " are tagged " + savedModel.getMetaGraphsList().stream().map(m -> m.getMetaInfoDef().getTagsList()).toList()
                + " (--saved_model_tags picks one)"));
        Graph graph = new Graph();
        Session session = null;
        try {
            graph.importGraphDef(metaGraph.getGraphDef());
            session = config == null ? new Session(graph) : new Session(graph, config);
            SaverDef saver = metaGraph.getSaverDef();
            Path variables = dir.resolve("variables").resolve("variables");
            if (!saver.getRestoreOpName().isEmpty() && Files.exists(dir.resolve("variables").resolve("variables.index"))) {
                try (TString prefix = TString.scalarOf(variables.toString())) {
                    session.runner().feed(saver.getFilenameTensorName(), prefix).addTarget(saver.getRestoreOpName()).run().close();
                }
            }
            String initOp = initOp(metaGraph);
            if (initOp != null) {
                List<Tensor> assets = new ArrayList<>();
                try {
                    Session.Runner runner = session.runner().addTarget(initOp);
                    for (AssetFileDef asset : assetFiles(metaGraph)) {
                        TString path = TString.scalarOf(dir.resolve("assets").resolve(asset.getFilename()).toString());
                        assets.add(path);
                        runner.feed(asset.getTensorInfo().getName(), path);
                    }
                    runner.run().close();
                } finally {
                    assets.forEach(Tensor::close);
                }
            }
            Session opened = session;
            return new LoadedGraph(session, metaGraph, () -> {
                opened.close();
                graph.close();
            });
        } catch (RuntimeException e) {
            if (session != null) {
                session.close();
            }
            graph.close();
            throw e;
        }
    }

    private static String initOp(MetaGraphDef metaGraph) {
        for (String key : List.of("saved_model_main_op", "legacy_init_op")) {
            CollectionDef collection = metaGraph.getCollectionDefMap().get(key);
            if (collection != null && collection.getNodeList().getValueCount() > 0) {
                return collection.getNodeList().getValue(0);
            }
        }
        return null;
    }

    private static List<AssetFileDef> assetFiles(MetaGraphDef metaGraph) {
        List<AssetFileDef> assets = new ArrayList<>(metaGraph.getAssetFileDefList());
        CollectionDef collection = metaGraph.getCollectionDefMap().get("saved_model_assets");
        if (collection != null) {
            for (com.google.protobuf.Any any : collection.getAnyList().getValueList()) {
                try {
                    assets.add(any.unpack(AssetFileDef.class));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw ServingException.invalidArgument("A saved_model_assets entry is not an AssetFileDef: " + e.getMessage());
                }
            }
        }
        return assets;
    }

    Session session() {
        return session;
    }

    MetaGraphDef metaGraph() {
        return metaGraph;
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("Closing the SavedModel failed: " + e.getMessage(), e);
        }
    }
}
